//! Task specs (TOML container tasks) with the organization's defaults applied through the active
//! plugin's hooks, and their FlyteAdmin `TaskCreateRequest` form.
