//! `flyte-host plugin manifest LIB --url URL [--sign KEY | --signature FILE.minisig]`: write the
//! manifest an organization's CI publishes with a built library (name, version and ABI from the
//! library itself, its sha256, the URL, and its minisign signature, inline or as a URL).

use std::path::PathBuf;

use clap::{value_parser, Arg, ArgMatches, Command};

use crate::{
    cli::Cli,
    error::Error,
    install::{
        self,
        manifest::{Manifest, Platform},
    },
    loader::LoadError,
    trust,
};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("manifest")
        .about("Print the install manifest of a built plugin library (for an organization's CI)")
        .arg(
            Arg::new("library")
                .value_name("LIB")
                .required(true)
                .value_parser(value_parser!(PathBuf))
                .help("The built plugin library"),
        )
        .arg(
            Arg::new("url")
                .long("url")
                .value_name("URL")
                .required(true)
                .help("Where the library will be published: an https URL, http on the loopback, a file: URL or a path relative to the manifest (not empty: install needs it)"),
        )
        .arg(
            Arg::new("target")
                .long("target")
                .value_name("TRIPLE")
                .help("The platform the library is built for (default: this host's)"),
        )
        .arg(
            Arg::new("description")
                .long("description")
                .value_name("TEXT")
                .help("One line about the plugin (default: the description in the Cargo.toml of the crate that built LIB)"),
        )
        .arg(
            Arg::new("sign")
                .long("sign")
                .value_name("KEY")
                .value_parser(value_parser!(PathBuf))
                .conflicts_with("signature")
                .help("Sign LIB with this minisign secret key file (`minisign -G` writes one; an encrypted key asks for its password on the terminal) and put the signature in the manifest"),
        )
        .arg(
            Arg::new("signature")
                .long("signature")
                .value_name("FILE.minisig")
                .value_parser(value_parser!(PathBuf))
                .help("Put this minisign signature of LIB, made elsewhere (`minisign -S -s KEY -m LIB`, an HSM-backed CI step), in the manifest"),
        )
        .arg(
            Arg::new("signature-url")
                .long("signature-url")
                .value_name("URL")
                .help("Give the signature as this URL (like --url: https, loopback http, file: or relative to the manifest) instead of inline; with --sign, the signature is written to LIB.minisig to publish there"),
        )
        .arg(
            Arg::new("out")
                .long("out")
                .value_name("FILE")
                .value_parser(value_parser!(PathBuf))
                .help("Write the manifest to FILE instead of stdout"),
        )
}

/// Checks the library (out of process), hashes it and prints or writes the manifest.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let library = matches
        .get_one::<PathBuf>("library")
        .ok_or_else(|| Error::Message("plugin manifest: a LIB is required".into()))?;
    let url = matches
        .get_one::<String>("url")
        .ok_or_else(|| Error::Message("plugin manifest: --url is required".into()))?;
    install::check_url(url).map_err(Error::from)?;
    let source = library.display().to_string();
    let checked = install::check_standalone(library, &source).map_err(Error::from)?;
    let sha256 = install::sha256_file(library).map_err(|e| LoadError::Unreadable {
        path: library.clone(),
        reason: e.to_string(),
    })?;
    let (signature, signature_url) = signature(matches, library)?;
    // The ABI carries no description: --description, else the crate's Cargo.toml.
    let description = matches
        .get_one::<String>("description")
        .cloned()
        .or_else(|| install::crate_description::find(library));
    if description.is_none() {
        crate::say!(
            "note: the manifest's description is empty: no Cargo.toml with a description was found \
             above `{source}` (the library is not in the target directory of the crate that \
             built it); pass --description TEXT"
        );
    }
    let manifest = Manifest {
        name: checked.name,
        version: checked.version,
        description: description.unwrap_or_default(),
        abi: checked.abi,
        platforms: vec![Platform {
            target: matches
                .get_one::<String>("target")
                .cloned()
                .unwrap_or_else(|| install::TARGET.to_owned()),
            url: url.clone(),
            sha256,
            signature,
            signature_url,
        }],
    };
    let text = manifest.render();
    match matches.get_one::<PathBuf>("out") {
        Some(out) => std::fs::write(out, text).map_err(|e| {
            Error::Message(format!(
                "cannot write the manifest to `{}`: {e}",
                out.display()
            ))
        })?,
        None => std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes())?,
    }
    Ok(0)
}

/// The manifest's `signature` and `signature_url` from `--sign`, `--signature` and
/// `--signature-url`: the signature inline, or its URL (with `--sign`, the signature is written
/// to `LIB.minisig` for publishing).
fn signature(
    matches: &ArgMatches,
    library: &std::path::Path,
) -> Result<(Option<String>, Option<String>), Error> {
    let signature_url = matches.get_one::<String>("signature-url").cloned();
    let signature = if let Some(key) = matches.get_one::<PathBuf>("sign") {
        let signature = trust::sign(key, library)
            .map_err(|reason| Error::Message(format!("plugin manifest --sign: {reason}")))?;
        crate::say!(
            "note: signed `{}` with minisign key {}",
            library.display(),
            signature.key_id
        );
        signature
    } else if let Some(file) = matches.get_one::<PathBuf>("signature") {
        let (text, _) = trust::read_small(file).map_err(|e| {
            Error::Message(format!(
                "cannot read the signature `{}`: {e}. Give the .minisig file `minisign -S -m LIB` wrote.",
                file.display()
            ))
        })?;
        trust::Signature::parse(&text).map_err(|reason| {
            Error::Message(format!(
                "the signature `{}` cannot go in the manifest: {reason}",
                file.display()
            ))
        })?
    } else {
        if signature_url.is_some() {
            return Err(Error::Message(
                "plugin manifest: --signature-url needs the signature itself, --sign KEY or --signature FILE.minisig".into(),
            ));
        }
        return Ok((None, None));
    };
    let Some(url) = signature_url else {
        return Ok((Some(signature.text), None));
    };
    install::check_url(&url).map_err(Error::from)?;
    if matches.contains_id("sign") {
        let out = trust::signature_file(library);
        std::fs::write(&out, &signature.text).map_err(|e| {
            Error::Message(format!(
                "cannot write the signature to `{}`: {e}",
                out.display()
            ))
        })?;
        crate::say!(
            "note: wrote the signature to `{}`: publish it at {url}",
            out.display()
        );
    }
    Ok((None, Some(url)))
}
