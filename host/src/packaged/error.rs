//! What can be wrong with the files `register files` reads: each error names the file (and the
//! archive member) and says what to do.

use std::{io, path::PathBuf};

use crate::tasks::TaskError;

/// Why packaged entities could not be read or prepared.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PackagedError {
    /// A path cannot be read.
    #[error("cannot read `{}`: {error}", .path.display())]
    Read {
        /// The path.
        path: PathBuf,
        /// What the operating system said.
        error: io::Error,
    },
    /// A path is no archive, directory or file pyflyte writes.
    #[error("`{}` is not what `pyflyte package` writes: {reason}", .path.display())]
    NotPackage {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// An archive is not a readable tar (gzip) stream.
    #[error("`{}` is not a readable pyflyte package archive (tar, gzip-compressed for .tgz): {error}", .path.display())]
    Archive {
        /// The archive.
        path: PathBuf,
        /// What the reader said.
        error: String,
    },
    /// A fast-registration archive, which needs the code uploaded first.
    #[error("`{}` was packaged for fast registration (it holds pyflyte's fast*.tar.gz code archive, which must be uploaded to blob storage first): flyte-host does not upload code; package it without --fast, with the code in the image", .path.display())]
    Fast {
        /// The archive.
        path: PathBuf,
    },
    /// A file or archive is larger than any pyflyte writes.
    #[error("`{source_name}` is larger than {limit} bytes, far more than pyflyte writes: it is not a pyflyte package")]
    TooBig {
        /// The file or archive member.
        source_name: String,
        /// The limit.
        limit: u64,
    },
    /// A file does not decode as the message its name says.
    #[error("`{source_name}` is named as a serialized {noun}, but {reason}")]
    Decode {
        /// The file or archive member.
        source_name: String,
        /// `task`, `workflow` or `launch plan`.
        noun: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Two files define the same entity.
    #[error("{noun} '{name}' is defined twice, in `{first}` and `{second}`: register one of them")]
    Duplicate {
        /// `task`, `workflow` or `launch plan`.
        noun: &'static str,
        /// Its name.
        name: String,
        /// Where first.
        first: String,
        /// Where again.
        second: String,
    },
    /// Entities refer to each other in a cycle.
    #[error(
        "the files' entities refer to each other in a cycle ({0}), so none can be registered first"
    )]
    Cycle(String),
    /// The files carry different versions.
    #[error("the files carry different versions ({0}): choose one with --version")]
    Versions(String),
    /// Tasks have secrets without a group while the plugin stack requires one.
    #[error("{0}")]
    Policy(String),
    /// A hook of the plugin stack failed.
    #[error(transparent)]
    Task(#[from] TaskError),
}
