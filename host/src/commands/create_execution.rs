//! `flyte-host create execution --relaunch NAME | --recover NAME | --exec-file FILE [--name NEW]
//! [--wait]`: a new execution repeating an old one of the project and domain (flytectl's `create
//! execution --relaunch` / `--recover`): relaunched from the start with the same inputs, or
//! recovered, reusing the outputs of the nodes that had succeeded; or the one an edited exec file
//! describes (`--execFile`).

use super::run_task::Kind;
use crate::{
    cli::Cli,
    error::Error,
    remote::{self, Entity, Repeat},
};
use clap::{Arg, ArgAction, ArgGroup, ArgMatches, Command};

/// The command's clap definition: its name, help and arguments.
pub(super) fn cli() -> Command {
    Command::new("execution")
        .about(
            "Relaunch or recover an execution (flytectl's create execution --relaunch|--recover)",
        )
        .arg(
            Arg::new("relaunch")
                .long("relaunch")
                .value_name("NAME")
                .help("Run execution NAME again from the start, with the same inputs"),
        )
        .arg(
            Arg::new("recover")
                .long("recover")
                .value_name("NAME")
                .help("Run failed execution NAME again, reusing what its succeeded nodes produced"),
        )
        .arg(
            Arg::new("exec-file")
                .long("exec-file")
                .value_name("FILE")
                .value_parser(clap::value_parser!(std::path::PathBuf))
                .help("Run what exec FILE names with its inputs (`get launch-plans NAME --exec-file FILE` writes one)"),
        )
        .group(
            ArgGroup::new("from")
                .args(["relaunch", "recover", "exec-file"])
                .required(true),
        )
        .arg(
            Arg::new("name")
                .long("name")
                .value_name("NEW")
                .help("The new execution's name (default: a random one)"),
        )
        .arg(
            Arg::new("wait")
                .long("wait")
                .action(ArgAction::SetTrue)
                .help("Wait until the new execution reaches a terminal phase"),
        )
}

/// Creates the execution; prints its name and console URL.
pub(super) fn exec(_cli: &mut Cli, matches: &ArgMatches) -> Result<i32, Error> {
    let wait = matches.get_flag("wait");
    if let Some(file) = matches.get_one::<std::path::PathBuf>("exec-file") {
        let exec = super::exec_file::read(file)?;
        let kind = match exec.entity {
            Entity::Task => Kind::Task,
            _ => Kind::LaunchPlan,
        };
        let client = crate::context::connect()?;
        return super::run_task::launch(
            client,
            (&exec.name, Some(&exec.version), Some(kind)),
            &exec.inputs,
            matches.get_one::<String>("name").map(String::as_str),
            wait,
        );
    }
    let (how, old) = match (
        matches.get_one::<String>("relaunch"),
        matches.get_one::<String>("recover"),
    ) {
        (Some(name), _) => (Repeat::Relaunch, name.as_str()),
        (_, Some(name)) => (Repeat::Recover, name.as_str()),
        _ => {
            return Err(Error::Message(
                "create execution: --relaunch or --recover NAME".into(),
            ))
        }
    };
    let client = crate::context::connect()?;
    let (project, domain) = (client.project().to_owned(), client.domain().to_owned());
    let new_name = matches
        .get_one::<String>("name")
        .cloned()
        .unwrap_or_else(remote::execution_name);
    let name = client.repeat_execution(&project, &domain, old, &new_name, how)?;
    let url = client.console_url(&project, &domain, &name);
    let verb = match how {
        Repeat::Relaunch => "relaunched",
        Repeat::Recover => "recovered",
    };
    super::run_task::finish(
        client,
        (&project, &domain, &name),
        &url,
        &format!("({verb} from {old})"),
        wait,
    )
}
