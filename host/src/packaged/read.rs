//! The files of `register files`' paths: pyflyte's archives (`.tgz`, `.tar.gz`, `.tar`), read in
//! memory and never extracted; directories of `.pb` files; single `.pb` files. Each file's kind
//! comes from its name (`_1.pb` task, `_2.pb` workflow, `_3.pb` launch plan); files are taken in
//! pyflyte's order (its leading number, which it gives in dependency order), then by name.

use std::{
    fs,
    io::{self, BufReader, Read},
    path::{Path, PathBuf},
};

use crate::remote::Entity;

use super::PackagedError;

/// The most one serialized entity may take; flytekit's are a few kilobytes.
const MAX_FILE: u64 = 64 << 20;

/// The most an archive may hold in `.pb` files, uncompressed.
const MAX_ARCHIVE: u64 = 1 << 30;

/// One serialized entity.
#[derive(Debug)]
pub(super) struct File {
    /// The file, or `member in archive`.
    pub source: String,
    /// Its kind, from its name.
    pub kind: Entity,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// The kind a file of this name holds, by flytekit's suffixes.
fn kind_of(name: &str) -> Option<Entity> {
    let stem = name.strip_suffix(".pb")?;
    match stem.rsplit_once('_')?.1 {
        "1" => Some(Entity::Task),
        "2" => Some(Entity::Workflow),
        "3" => Some(Entity::LaunchPlan),
        _ => None,
    }
}

/// Sorts by pyflyte's leading number, then name.
fn order_key(name: &str) -> (u64, String) {
    let number = name
        .split_once('_')
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or(u64::MAX);
    (number, name.to_owned())
}

/// Every entity file of `paths`, in order.
pub(super) fn files(paths: &[PathBuf]) -> Result<Vec<File>, PackagedError> {
    let mut out = Vec::new();
    for path in paths {
        let unreadable = |error: io::Error| PackagedError::Read {
            path: path.clone(),
            error,
        };
        let meta = fs::metadata(path).map_err(unreadable)?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        let before = out.len();
        if meta.is_dir() {
            directory(path, &mut out)?;
        } else if name.ends_with(".tgz") || name.ends_with(".tar.gz") {
            let file = fs::File::open(path).map_err(unreadable)?;
            archive(
                path,
                flate2::read::GzDecoder::new(BufReader::new(file)),
                &mut out,
            )?;
        } else if name.ends_with(".tar") {
            let file = fs::File::open(path).map_err(unreadable)?;
            archive(path, BufReader::new(file), &mut out)?;
        } else if let Some(kind) = kind_of(&name) {
            out.push(entity_file(path, kind)?);
        } else {
            return Err(PackagedError::NotPackage {
                path: path.clone(),
                reason: "its name is not that of a serialized entity (`<n>_<name>_1.pb` task, `_2.pb` workflow, `_3.pb` launch plan) nor of an archive (.tgz, .tar.gz, .tar)".to_owned(),
            });
        }
        if out.len() == before {
            return Err(PackagedError::NotPackage {
                path: path.clone(),
                reason: "it holds no serialized entity (`<n>_<name>_1.pb` task, `_2.pb` workflow, `_3.pb` launch plan)".to_owned(),
            });
        }
    }
    Ok(out)
}

fn too_big(source: String) -> PackagedError {
    PackagedError::TooBig {
        source_name: source,
        limit: MAX_FILE,
    }
}

/// At most `limit` bytes of `reader`; `None` when it holds more.
fn read_capped(reader: impl Read, limit: u64) -> io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    reader.take(limit + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// The entity files of an uncompressed tar stream held in memory.
pub(super) fn tar_files(bytes: &[u8]) -> Result<Vec<File>, PackagedError> {
    let mut out = Vec::new();
    archive(Path::new("archive.tar"), bytes, &mut out)?;
    Ok(out)
}

/// The entity files directly in `dir`.
fn directory(dir: &Path, out: &mut Vec<File>) -> Result<(), PackagedError> {
    let unreadable = |path: &Path, error| PackagedError::Read {
        path: path.to_owned(),
        error,
    };
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| unreadable(dir, e))? {
        let entry = entry.map_err(|e| unreadable(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if let (true, Some(kind)) = (is_file, kind_of(&name)) {
            found.push((order_key(&name), kind, entry.path()));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, kind, path) in found {
        out.push(entity_file(&path, kind)?);
    }
    Ok(())
}

/// The serialized entity file at `path`, of `kind`.
fn entity_file(path: &Path, kind: Entity) -> Result<File, PackagedError> {
    let unreadable = |error| PackagedError::Read {
        path: path.to_owned(),
        error,
    };
    let bytes = read_capped(fs::File::open(path).map_err(unreadable)?, MAX_FILE)
        .map_err(unreadable)?
        .ok_or_else(|| too_big(path.display().to_string()))?;
    Ok(File {
        source: path.display().to_string(),
        kind,
        bytes,
    })
}

/// The entity files of the tar stream `reader` of `path`. Only regular files count; links,
/// directories and other members are never followed or written anywhere.
fn archive(path: &Path, reader: impl Read, out: &mut Vec<File>) -> Result<(), PackagedError> {
    let corrupt = |error: io::Error| PackagedError::Archive {
        path: path.to_owned(),
        error: error.to_string(),
    };
    let mut found = Vec::new();
    let mut total = 0u64;
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries().map_err(corrupt)? {
        let entry = entry.map_err(corrupt)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let member = entry.path().map_err(corrupt)?;
        let name = member
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let source = format!("{} in {}", member.display(), path.display());
        if name.starts_with("fast") && name.ends_with(".tar.gz") {
            return Err(PackagedError::Fast {
                path: path.to_owned(),
            });
        }
        let Some(kind) = kind_of(&name) else {
            continue;
        };
        let bytes = read_capped(entry, MAX_FILE)
            .map_err(corrupt)?
            .ok_or_else(|| too_big(source.clone()))?;
        total += bytes.len() as u64;
        if total > MAX_ARCHIVE {
            return Err(PackagedError::TooBig {
                source_name: path.display().to_string(),
                limit: MAX_ARCHIVE,
            });
        }
        found.push((
            order_key(&name),
            File {
                source,
                kind,
                bytes,
            },
        ));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    out.extend(found.into_iter().map(|(_, file)| file));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_order_come_from_pyflytes_names() {
        assert_eq!(kind_of("0_wf.add_1.pb"), Some(Entity::Task));
        assert_eq!(kind_of("4_wf.wf_2.pb"), Some(Entity::Workflow));
        assert_eq!(kind_of("6_wf_lp_3.pb"), Some(Entity::LaunchPlan));
        assert_eq!(kind_of("6_wf_lp_4.pb"), None);
        assert_eq!(kind_of("notes.txt"), None);
        let mut names = vec!["10_b_1.pb", "2_a_1.pb", "x_1.pb"];
        names.sort_by_key(|n| order_key(n));
        assert_eq!(names, ["2_a_1.pb", "10_b_1.pb", "x_1.pb"]);
    }
}
