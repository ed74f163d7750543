//! The FlyteAdmin client built from the remote description `get_remote` returns: HTTP/JSON
//! through admin's grpc-gateway (`/api/v1/...`), proto field names (`Accept: application/json`),
//! and the calls `register`, `run`, `get` and `version` make.

mod admin;
mod client;
mod error;
mod identity;
mod list;
mod literals;
mod update;

use std::{
    collections::hash_map::RandomState,
    hash::{BuildHasher, Hasher},
    time::{SystemTime, UNIX_EPOCH},
};

pub(crate) use crate::wire::field;
pub(crate) use admin::{execution_error, execution_phase, execution_request, TERMINAL_PHASES};
pub(crate) use client::{base_url, describe_origin, transport_word, AdminClient};
pub(crate) use error::RemoteError;
pub(crate) use list::{Entity, Listed};
pub(crate) use literals::{
    launch_plan_inputs, launch_plan_parameters, literal_map, render as render_literal, render_map,
    task_inputs, type_name,
};
pub(crate) use update::{Repeat, Terminated};

/// A fresh execution name like admin's own: `a` and 19 random lowercase letters and digits
/// (matches `^[a-z][a-z\-0-9]*$`, at most 63 characters).
pub(crate) fn execution_name() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let state = RandomState::new();
    let mut name = String::from("a");
    let mut counter: u64 = 0;
    while name.len() < 20 {
        let mut hasher = state.build_hasher();
        hasher.write_u128(nanos);
        hasher.write_u32(std::process::id());
        hasher.write_u64(counter);
        let mut bits = hasher.finish();
        counter += 1;
        for _ in 0..8 {
            if name.len() == 20 {
                break;
            }
            let index = usize::try_from(bits % 36).unwrap_or(0);
            name.push(char::from(ALPHABET[index]));
            bits /= 36;
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_names() {
        let a = execution_name();
        let b = execution_name();
        assert_eq!(a.len(), 20);
        assert!(a.starts_with('a'));
        assert!(a
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert_ne!(a, b);
    }
}
