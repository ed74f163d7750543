//! Choosing the active plugin library: `FLYTEKIT_PLUGIN`, else the one plugin of the plugin
//! directory (a dropped-in library or an installed plugin).

use std::{
    ffi::{OsStr, OsString},
    fmt, fs,
    path::{Path, PathBuf},
};

use super::{integrity, Choice, LoadError};
use crate::plugin_dir::{
    lock::{Lock, LockEntry, LOCK_FILE},
    seal, LIBRARY_EXTENSION,
};

/// Where the active plugin was chosen from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// `FLYTEKIT_PLUGIN`.
    EnvVar,
    /// The single library in the drop-in directory.
    DropIn(PathBuf),
    /// The single plugin installed (`flyte-host plugin install`) in the plugin directory.
    Installed(PathBuf),
    /// The plugin chosen with `flyte-host plugin use` in the plugin directory (an installed
    /// plugin, or a loose library there named by its file name).
    Chosen(PathBuf),
    /// `flyte-host plugin check PATH`.
    Check,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::EnvVar => f.write_str("FLYTEKIT_PLUGIN"),
            Origin::DropIn(dir) => write!(f, "drop-in directory {}", dir.display()),
            Origin::Installed(dir) => write!(f, "the only plugin installed in {}", dir.display()),
            Origin::Chosen(dir) => write!(f, "`plugin use` in {}", dir.display()),
            Origin::Check => f.write_str("plugin check"),
        }
    }
}

/// How the user named every layer of a stack (`specs`, top first) but the one at `index`.
pub(crate) fn other_layers(specs: &[String], index: usize) -> Vec<&str> {
    specs
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != index)
        .map(|(_, spec)| spec.as_str())
        .collect()
}

/// The layers `others`, top first, joined by `separator` as `FLYTEKIT_PLUGIN` (`,`) or `plugin
/// use` (` `) takes them; `builtin` for none.
pub(crate) fn stack_value(others: &[&str], separator: &str) -> String {
    if others.is_empty() {
        "builtin".to_owned()
    } else {
        others.join(separator)
    }
}

/// The closing sentences of [`Origin::bypass`].
pub(super) const BYPASSES: [&str; 2] = [
    " Meanwhile `flyte-host plugin use builtin` (or FLYTEKIT_PLUGIN=builtin for one command) runs flyte-host without it.",
    " Meanwhile FLYTEKIT_PLUGIN=builtin runs flyte-host without it.",
];

impl Origin {
    /// ` (from ORIGIN)` for messages about the library; nothing for a library the user named on
    /// the command line (`plugin check PATH`, `plugin list`'s checks).
    pub(crate) fn provenance_clause(&self) -> String {
        match self {
            Origin::Check => String::new(),
            other => format!(" (from {other})"),
        }
    }

    /// How to run without a broken active plugin meanwhile; nothing for a library being checked.
    pub(super) fn bypass(&self) -> &'static str {
        match self {
            Origin::Check => "",
            Origin::Chosen(_) => BYPASSES[0],
            _ => BYPASSES[1],
        }
    }

    /// How to run without one layer of a stack meanwhile: `others` are how the user named the
    /// other layers, top first (see [`other_layers`]).
    pub(crate) fn leave_out(&self, others: &[&str]) -> String {
        let rest = stack_value(others, ",");
        match self {
            Origin::Chosen(_) => format!(
                " Meanwhile leave it out of the stack: `flyte-host plugin use {}` (or FLYTEKIT_PLUGIN={rest} for one command).",
                stack_value(others, " ")
            ),
            _ => format!(" Meanwhile leave it out of the stack: FLYTEKIT_PLUGIN={rest}."),
        }
    }

    /// What to do about a library path that names nothing.
    pub(super) fn fix_missing(&self) -> String {
        match self {
            Origin::Check => "Check the path.".to_owned(),
            _ => format!(
                "Point FLYTEKIT_PLUGIN at a plugin library (.{LIBRARY_EXTENSION}), or set FLYTEKIT_PLUGIN=builtin to use the built-in plugin."
            ),
        }
    }

    /// What to do about a library path that names something other than a file.
    pub(super) fn fix_not_a_file(&self) -> String {
        match self {
            Origin::Check => format!("Name a plugin library (.{LIBRARY_EXTENSION})."),
            _ => format!("Point FLYTEKIT_PLUGIN at a plugin library (.{LIBRARY_EXTENSION})."),
        }
    }
}

/// One plugin library of the stack selection chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Selected {
    /// The library's path.
    pub path: PathBuf,
    /// How it was chosen.
    pub origin: Origin,
    /// Its lock entry, when it is an installed plugin (checked before loading).
    pub locked: Option<LockEntry>,
    /// How the user named it: an installed name, a path, a loose library's file name.
    pub spec: String,
}

/// Which plugins should be active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Selection {
    /// The built-in plugin alone, and why.
    Builtin(&'static str),
    /// Plugin libraries stacked above the built-in plugin, top layer first (never empty).
    Layers(Vec<Selected>),
}

impl Selection {
    /// The stack's libraries, top first (none for the built-in plugin alone).
    pub(crate) fn layers(&self) -> &[Selected] {
        match self {
            Selection::Builtin(_) => &[],
            Selection::Layers(layers) => layers,
        }
    }
}

/// The plugin directory: `$FLYTE_PLUGIN_DIR`, default `~/.flyte/plugins/` (`None` without a HOME).
/// An empty or relative `FLYTE_PLUGIN_DIR` or `HOME` is an error naming the variable: the plugin
/// directory, and so the code a start-up loads, would depend on the current directory.
pub(crate) fn plugin_dir(
    plugin_dir: Option<OsString>,
    home: Option<PathBuf>,
) -> Result<Option<PathBuf>, LoadError> {
    match (plugin_dir.filter(|v| !v.is_empty()), home) {
        (None, None) => Ok(None),
        (dir, home) => Ok(Some(crate::plugin_dir::plugin_dir_of(
            dir,
            home.map(PathBuf::into_os_string),
        )?)),
    }
}

/// Whether a `FLYTEKIT_PLUGIN` value reads as an installed plugin's name rather than a path.
fn looks_like_name(value: &str) -> bool {
    !value.contains(['/', '\\'])
        && !value.ends_with(&format!(".{LIBRARY_EXTENSION}"))
        && !Path::new(value).exists()
}

/// The entries of a `FLYTEKIT_PLUGIN` value, top layer first: comma-separated plugin paths or
/// installed names, a trailing `builtin` allowed (the built-in plugin is always the bottom). A
/// value naming an existing file is one entry, commas and all.
fn env_entries(value: &str) -> Result<Vec<String>, LoadError> {
    if Path::new(value).exists() || !value.contains(',') {
        return Ok(vec![value.to_owned()]);
    }
    let bad = |reason: String| LoadError::BadStackList {
        value: value.to_owned(),
        reason,
    };
    let mut entries: Vec<String> = value.split(',').map(|e| e.trim().to_owned()).collect();
    if entries.last().is_some_and(|e| is_builtin_word(e)) {
        entries.pop();
    }
    for (i, entry) in entries.iter().enumerate() {
        if entry.is_empty() {
            return Err(bad(format!("entry {} is empty", i + 1)));
        }
        if is_builtin_word(entry) {
            return Err(bad(format!(
                "`{entry}` (entry {}) can only be last: the built-in plugin is always the bottom layer",
                i + 1
            )));
        }
        if entries[..i].contains(entry) {
            return Err(LoadError::DuplicateLayer {
                what: format!("`{entry}`"),
                stack: format!("FLYTEKIT_PLUGIN={value}"),
            });
        }
    }
    Ok(entries)
}

/// `builtin` or `none`: the built-in plugin's names in a selection.
pub(crate) fn is_builtin_word(word: &str) -> bool {
    word.eq_ignore_ascii_case("none") || word.eq_ignore_ascii_case("builtin")
}

/// Chooses the active plugins: `FLYTEKIT_PLUGIN` (comma-separated paths or installed names, top
/// layer first, or `none`/`builtin`), else the stack recorded with `flyte-host plugin use`, else
/// the single plugin found in the plugin directory (`$FLYTE_PLUGIN_DIR`, default
/// `~/.flyte/plugins/`) — a library dropped there or one installed with `plugin install` — else
/// the built-in plugin alone. The same entry twice is an error.
pub(crate) fn select(
    flytekit_plugin: Option<OsString>,
    plugin_dir_var: Option<OsString>,
    home: Option<PathBuf>,
) -> Result<Selection, LoadError> {
    let flytekit_plugin = flytekit_plugin.filter(|v| !v.is_empty());
    if flytekit_plugin
        .as_ref()
        .is_some_and(|value| is_builtin_word(value.to_string_lossy().trim()))
    {
        return Ok(Selection::Builtin(
            "FLYTEKIT_PLUGIN selects the built-in plugin",
        ));
    }
    let dir = plugin_dir(plugin_dir_var, home)?;
    let layers = match flytekit_plugin {
        Some(value) => from_env(&value, dir.as_deref())?,
        None => match from_dir(dir)? {
            Ok(layers) => layers,
            Err(reason) => return Ok(Selection::Builtin(reason)),
        },
    };
    // One library under two paths is caught once loaded: the same plugin name twice (see
    // `ActivePlugin::stack`), without a `realpath` per layer at every start.
    Ok(Selection::Layers(layers))
}

/// The layers `FLYTEKIT_PLUGIN` (`value`) names.
fn from_env(value: &OsStr, dir: Option<&Path>) -> Result<Vec<Selected>, LoadError> {
    let text = value.to_string_lossy();
    if !text.contains(',') {
        // One entry, kept as the OS gave it (a path need not be UTF-8).
        return Ok(vec![env_entry(PathBuf::from(value), &text, dir)?]);
    }
    env_entries(&text)?
        .into_iter()
        .map(|entry| env_entry(PathBuf::from(&entry), &entry, dir))
        .collect()
}

/// One entry of `FLYTEKIT_PLUGIN`: an installed plugin's name, or a library path.
fn env_entry(path: PathBuf, text: &str, dir: Option<&Path>) -> Result<Selected, LoadError> {
    if looks_like_name(text) {
        let dir = dir.ok_or(crate::plugin_dir::PluginDirError::NoPluginDir)?;
        let plugins = PluginDir::read(dir)?;
        return match plugins.lock.get(text) {
            Some(entry) => Ok(Selected {
                path: entry.library(dir),
                origin: Origin::EnvVar,
                locked: Some(plugins.checked(dir, entry)?),
                spec: text.to_owned(),
            }),
            None => Err(LoadError::NotInstalled {
                name: text.to_owned(),
                dir: dir.to_owned(),
            }),
        };
    }
    let locked = match dir {
        Some(dir) => installed_entry(dir, &path)?,
        None => None,
    };
    Ok(Selected {
        path,
        origin: Origin::EnvVar,
        locked,
        spec: text.to_owned(),
    })
}

/// The layers the plugin directory selects: the stack recorded with `plugin use`, else its one
/// plugin; `Err(reason)` for the built-in plugin alone.
fn from_dir(dir: Option<PathBuf>) -> Result<Result<Vec<Selected>, &'static str>, LoadError> {
    let Some(dir) = dir else {
        return Ok(Err("no plugin installed or configured"));
    };
    let plugins = PluginDir::read(&dir)?;
    match Choice::read(&dir)? {
        Some(Choice::Builtin) => {
            return Ok(Err(
                "`flyte-host plugin use builtin` chose the built-in plugin",
            ))
        }
        Some(Choice::Stack(names)) => {
            return names
                .into_iter()
                .map(|name| match plugins.lock.get(&name) {
                    Some(entry) => Ok(Selected {
                        path: entry.library(&dir),
                        locked: Some(plugins.checked(&dir, entry)?),
                        origin: Origin::Chosen(dir.clone()),
                        spec: name,
                    }),
                    None => match loose_library(&dir, &name) {
                        Some(path) => Ok(Selected {
                            path,
                            locked: None,
                            origin: Origin::Chosen(dir.clone()),
                            spec: name,
                        }),
                        None => Err(LoadError::ChosenMissing {
                            name,
                            file: Choice::file(&dir),
                        }),
                    },
                })
                .collect::<Result<_, _>>()
                .map(Ok);
        }
        None => {}
    }
    let installed = &plugins.lock.plugins;
    let drop_ins = if plugins.sealed() {
        Vec::new()
    } else {
        drop_in_libraries(&dir)?
    };
    let spec_of = |path: &Path| {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    match (drop_ins.as_slice(), installed.as_slice()) {
        ([], []) => Ok(Err("no plugin installed or configured")),
        ([path], []) => Ok(Ok(vec![Selected {
            path: path.clone(),
            origin: Origin::DropIn(dir.clone()),
            locked: None,
            spec: spec_of(path),
        }])),
        ([], [entry]) => Ok(Ok(vec![Selected {
            path: entry.library(&dir),
            locked: Some(plugins.checked(&dir, entry)?),
            origin: Origin::Installed(dir.clone()),
            spec: entry.name.clone(),
        }])),
        _ => {
            let mut files = drop_ins;
            files.extend(installed.iter().map(|e| e.library(&dir)));
            Err(LoadError::MultipleDropIns { dir, files })
        }
    }
}

/// The lock entry of `path` when it is the library of a plugin installed in plugin directory
/// `dir`: an installed library stays checked against its lock under whatever name it is loaded.
/// Only a path inside `dir` costs the lock read.
fn installed_entry(dir: &Path, path: &Path) -> Result<Option<LockEntry>, LoadError> {
    let (Ok(dir), Ok(path)) = (std::path::absolute(dir), std::path::absolute(path)) else {
        return Ok(None);
    };
    if !path.starts_with(&dir) {
        return Ok(None);
    }
    let plugins = PluginDir::read(&dir)?;
    match plugins
        .lock
        .plugins
        .iter()
        .find(|e| e.library(&dir) == path)
    {
        Some(entry) => Ok(Some(plugins.checked(&dir, entry)?)),
        None => Ok(None),
    }
}

/// A plugin directory's lock, read together with what start-up checks of the directory and the
/// lock file (one `stat` each, shared by the seal and the permission checks).
struct PluginDir {
    lock: Lock,
    lock_meta: Option<fs::Metadata>,
    dir_meta: Option<fs::Metadata>,
}

impl PluginDir {
    fn read(dir: &Path) -> Result<PluginDir, LoadError> {
        let (lock, lock_meta) = Lock::read_with_meta(dir)?;
        Ok(PluginDir {
            lock,
            lock_meta,
            dir_meta: fs::metadata(dir).ok(),
        })
    }

    /// Whether the directory is sealed: no loose libraries (see [`seal`]).
    fn sealed(&self) -> bool {
        let modified = |meta: &Option<fs::Metadata>| meta.as_ref().and_then(|m| m.modified().ok());
        seal::is_sealed(modified(&self.dir_meta), modified(&self.lock_meta))
    }

    /// `entry`, once the plugin directory `dir` and its lock file are found writable by no one
    /// else (whoever can write them can swap an installed library or its lock entry).
    fn checked(&self, dir: &Path, entry: &LockEntry) -> Result<LockEntry, LoadError> {
        if let Some(meta) = &self.dir_meta {
            integrity::refuse_loose_meta("directory", dir, meta)?;
        }
        if let Some(meta) = &self.lock_meta {
            integrity::refuse_loose_meta("lock file", &dir.join(LOCK_FILE), meta)?;
        }
        Ok(entry.clone())
    }
}

/// The loose (dropped-in, not installed) library `file_name` of plugin directory `dir`, as
/// `plugin use` may choose it: a plain file name with the library extension, naming a file there.
pub(crate) fn loose_library(dir: &Path, file_name: &str) -> Option<PathBuf> {
    let path = dir.join(file_name);
    let plain = Path::new(file_name).file_name() == Some(std::ffi::OsStr::new(file_name));
    (plain
        && path.extension().is_some_and(|e| e == LIBRARY_EXTENSION)
        && fs::metadata(&path).is_ok_and(|m| m.is_file()))
    .then_some(path)
}

/// The shared libraries directly inside `dir`, sorted (see [`crate::plugin_dir::libraries`]).
pub(crate) fn drop_in_libraries(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    crate::plugin_dir::libraries(dir).map_err(|source| LoadError::DropInDir {
        dir: dir.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_builtin_selection() {
        for value in ["none", "builtin", "BUILTIN"] {
            let sel = select(Some(value.into()), None, None).unwrap();
            assert!(matches!(sel, Selection::Builtin(_)), "{value}");
        }
    }

    #[test]
    fn env_var_wins_over_drop_in() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(format!("a.{LIBRARY_EXTENSION}")), b"x").unwrap();
        let sel = select(Some("/x/p.so".into()), Some(dir.path().into()), None).unwrap();
        assert_eq!(
            sel,
            Selection::Layers(vec![Selected {
                path: "/x/p.so".into(),
                origin: Origin::EnvVar,
                locked: None,
                spec: "/x/p.so".into(),
            }])
        );
    }

    #[test]
    fn drop_in_rules() {
        let dir = tempfile::tempdir().unwrap();
        let sel = select(None, Some(dir.path().into()), None).unwrap();
        assert!(matches!(sel, Selection::Builtin(_)));
        std::fs::write(dir.path().join("README.txt"), b"x").unwrap();
        let one = dir.path().join(format!("a.{LIBRARY_EXTENSION}"));
        std::fs::write(&one, b"x").unwrap();
        let sel = select(None, Some(dir.path().into()), None).unwrap();
        assert_eq!(
            sel,
            Selection::Layers(vec![Selected {
                path: one,
                origin: Origin::DropIn(dir.path().into()),
                locked: None,
                spec: format!("a.{LIBRARY_EXTENSION}"),
            }])
        );
        std::fs::write(dir.path().join(format!("b.{LIBRARY_EXTENSION}")), b"x").unwrap();
        let err = select(None, Some(dir.path().into()), None).unwrap_err();
        assert!(err.to_string().starts_with("several plugins in"), "{err}");
    }

    #[test]
    fn leaving_out_a_layer_names_the_others_as_the_stack_was_chosen() {
        assert_eq!(
            Origin::EnvVar.leave_out(&["/a/libx.so", "y"]),
            " Meanwhile leave it out of the stack: FLYTEKIT_PLUGIN=/a/libx.so,y."
        );
        assert_eq!(
            Origin::Chosen(PathBuf::from("/p")).leave_out(&["x", "y"]),
            " Meanwhile leave it out of the stack: `flyte-host plugin use x y` (or FLYTEKIT_PLUGIN=x,y for one command)."
        );
        assert_eq!(
            Origin::EnvVar.leave_out(&[]),
            " Meanwhile leave it out of the stack: FLYTEKIT_PLUGIN=builtin."
        );
    }

    #[test]
    fn comma_separated_stack_top_first() {
        let sel = select(Some("/x/a.so,/y/b.so".into()), None, None).unwrap();
        let paths: Vec<_> = sel.layers().iter().map(|l| l.path.clone()).collect();
        assert_eq!(paths, [PathBuf::from("/x/a.so"), PathBuf::from("/y/b.so")]);
        // A trailing `builtin` is the bottom layer anyway.
        let sel = select(Some("/x/a.so, builtin".into()), None, None).unwrap();
        assert_eq!(sel.layers().len(), 1);
    }

    #[test]
    fn bad_stack_lists_are_errors_naming_the_variable() {
        for (value, says) in [
            ("/x/a.so,,/y/b.so", "entry 2 is empty"),
            ("builtin,/x/a.so", "can only be last"),
            ("/x/a.so,/x/a.so", "twice"),
        ] {
            let err = select(Some(value.into()), None, None)
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{value}: {err}");
            assert!(err.contains("FLYTEKIT_PLUGIN"), "{value}: {err}");
        }
    }
}
