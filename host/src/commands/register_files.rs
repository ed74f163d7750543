//! `flyte-host register files PATH… [--version V] [--dry-run] [--no-defaults]`: what
//! `pyflyte package` wrote (archives, directories or files of serialized tasks, workflows and
//! launch plans) registered in FlyteAdmin through the remote from `get_remote`, in dependency
//! order, under the project and domain of `-p/-d` (or the config's), with the plugin stack's
//! policy applied (see [`crate::packaged`]). Everything is read, decoded and checked before the
//! first entity is sent; a progress line per entity.

use std::{io::Write, path::PathBuf};

use clap::{value_parser, Arg, ArgAction, ArgMatches, Command};
use serde_json::{json, Value};

use super::json_output;
use crate::{
    cli::Cli,
    error::Error,
    output,
    packaged::{self, Defaulted, Packaged, Target},
    tasks::{self, Hooks},
};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("files")
        .about("Register what pyflyte package wrote: archives, directories or files of serialized tasks, workflows and launch plans")
        .arg(
            Arg::new("paths")
                .value_name("PATH")
                .required(true)
                .num_args(1..)
                .value_parser(value_parser!(PathBuf))
                .help("flyte-package.tgz archives, directories of .pb files, or .pb files"),
        )
        .arg(
            Arg::new("version")
                .long("version")
                .value_name("VERSION")
                .help("Version to register (default: the version the files carry, else a hash of their content)"),
        )
        .arg(
            Arg::new("dry-run")
                .long("dry-run")
                .action(ArgAction::SetTrue)
                .help("Print what would be registered; send nothing"),
        )
        .arg(
            Arg::new("no-defaults")
                .long("no-defaults")
                .action(ArgAction::SetTrue)
                .help("Register exactly what the files say: no default image from the plugin stack for tasks without one"),
        )
}

/// Runs the command.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let version = matches.get_one::<String>("version");
    if let Some(version) = version {
        tasks::check_version(version)?;
    }
    let paths: Vec<PathBuf> = matches
        .get_many::<PathBuf>("paths")
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let loaded = packaged::load(&paths)?;
    let version = match version {
        Some(version) => version.clone(),
        None => match packaged::carried_version(&loaded.entities)? {
            Some(version) => version,
            None => loaded.content_version,
        },
    };
    let client = crate::context::connect()?;
    let target = Target {
        project: client.project().to_owned(),
        domain: client.domain().to_owned(),
        version,
    };
    let mut entities = packaged::prepare(loaded.entities, &target)?;
    let mut hooks = Hooks::new(crate::context::active());
    let defaulted =
        packaged::apply_policy(&mut entities, &mut hooks, !matches.get_flag("no-defaults"))?;
    let dry_run = matches.get_flag("dry-run");
    let json = json_output();
    let mut done: Vec<Value> = Vec::with_capacity(entities.len());
    for (i, entity) in entities.iter().enumerate() {
        let given: Vec<&Defaulted> = defaulted.iter().filter(|d| d.entity == i).collect();
        let status = if dry_run {
            "would register"
        } else {
            register(client, entity, i, entities.len())?
        };
        if !json {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{status} {} {} version {} ({})",
                entity.kind.noun(),
                entity.name(),
                target.version,
                entity.source
            )?;
            for d in &given {
                writeln!(out, "  {} = {} ({})", d.field, d.value, d.source)?;
            }
            out.flush()?;
        }
        done.push(json!({
            "kind": entity.kind.noun(),
            "name": entity.name(),
            "version": target.version,
            "source": entity.source,
            "status": status,
            "defaults": given.iter().map(|d| json!({
                "field": d.field,
                "value": d.value,
                "source": d.source.to_string(),
            })).collect::<Vec<_>>(),
        }));
    }
    if json {
        output::document(&json!({
            "endpoint": client.endpoint(),
            "project": target.project,
            "domain": target.domain,
            "version": target.version,
            "dry_run": dry_run,
            "entities": done,
        }))?;
    }
    Ok(0)
}

/// Registers one entity; an error says how many were registered before it.
fn register(
    client: &crate::remote::AdminClient,
    entity: &Packaged,
    index: usize,
    total: usize,
) -> Result<&'static str, Error> {
    match client.create(entity.kind, &entity.create_request()) {
        Ok(outcome) => Ok(outcome.as_str()),
        Err(e) if index == 0 => Err(e.into()),
        Err(e) => Err(Error::Message(format!(
            "{e} ({index} of {total} entities registered before this one)"
        ))),
    }
}
