//! The FlyteAdmin client built from the remote description `get_remote` returns.
