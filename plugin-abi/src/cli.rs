//! The CLI a plugin extends in `configure_pyflyte_cli`: commands, groups, arguments and edits.
//!
//! Commands are declared as data (name, help, typed arguments) plus a handler, so the host builds
//! `--help` and completions itself and validates arguments before the plugin runs.

use abi_stable::{
    sabi_trait,
    sabi_trait::TD_Opaque,
    std_types::{RBox, ROption, RResult, RString, RVec},
};

use crate::{
    export::guarded,
    ffi::{
        FfiArg, FfiArgKind, FfiCliChanges, FfiCliView, FfiCommand, FfiEdit, FfiEditKind,
        FfiInvocation, FfiValueType,
    },
    invocation::Invocation,
    plugin::PluginError,
};

/// The FFI form of a command handler. Plugin authors pass a closure to [`Command::run`] instead.
#[sabi_trait]
pub trait FfiCommandHandler: Send + Sync {
    /// Runs the command; returns its exit status or an error message.
    #[sabi(last_prefix_field)]
    fn run(&self, invocation: &FfiInvocation) -> RResult<i32, RString>;
}

/// A command handler crossing the boundary.
pub type CommandHandlerBox = FfiCommandHandler_TO<'static, RBox<()>>;

/// A closure handler as an FFI handler: one allocation, made when the command is declared.
struct ExportedHandler<F>(F);

impl<F> FfiCommandHandler for ExportedHandler<F>
where
    F: Fn(&Invocation) -> Result<i32, PluginError> + Send + Sync + 'static,
{
    fn run(&self, invocation: &FfiInvocation) -> RResult<i32, RString> {
        guarded(|| (self.0)(&Invocation::from(invocation)))
    }
}

/// What a command handler may return: nothing (exit 0), an exit status, or a `Result` of either.
pub trait IntoExitStatus {
    /// The exit status, or the error to report.
    fn into_exit_status(self) -> Result<i32, PluginError>;
}

impl IntoExitStatus for () {
    fn into_exit_status(self) -> Result<i32, PluginError> {
        Ok(0)
    }
}

impl IntoExitStatus for i32 {
    fn into_exit_status(self) -> Result<i32, PluginError> {
        Ok(self)
    }
}

impl<E: Into<PluginError>> IntoExitStatus for Result<(), E> {
    fn into_exit_status(self) -> Result<i32, PluginError> {
        self.map(|()| 0).map_err(Into::into)
    }
}

impl<E: Into<PluginError>> IntoExitStatus for Result<i32, E> {
    fn into_exit_status(self) -> Result<i32, PluginError> {
        self.map_err(Into::into)
    }
}

/// A typed argument of a plugin command.
#[derive(Debug, Clone)]
pub struct Arg {
    inner: FfiArg,
}

impl Arg {
    fn new(name: &str, kind: FfiArgKind) -> Arg {
        Arg {
            inner: FfiArg {
                name: name.into(),
                kind,
                value_type: FfiValueType::String,
                short: 0,
                help: RString::new(),
                default: ROption::RNone,
                required: false,
                multiple: false,
                choices: RVec::new(),
                env: ROption::RNone,
            },
        }
    }

    /// `--name VALUE`.
    pub fn option(name: &str) -> Arg {
        Arg::new(name, FfiArgKind::Option)
    }

    /// `--name`, a boolean switch.
    pub fn flag(name: &str) -> Arg {
        let mut arg = Arg::new(name, FfiArgKind::Flag);
        arg.inner.value_type = FfiValueType::Bool;
        arg
    }

    /// A positional argument.
    pub fn positional(name: &str) -> Arg {
        Arg::new(name, FfiArgKind::Positional)
    }

    /// Help text.
    pub fn help(mut self, help: &str) -> Arg {
        self.inner.help = help.into();
        self
    }

    /// Short form, e.g. `-n`.
    pub fn short(mut self, short: char) -> Arg {
        self.inner.short = short as u32;
        self
    }

    /// Default value.
    pub fn default_value(mut self, value: &str) -> Arg {
        self.inner.default = ROption::RSome(value.into());
        self
    }

    /// Must be given.
    pub fn required(mut self) -> Arg {
        self.inner.required = true;
        self
    }

    /// May be given several times.
    pub fn multiple(mut self) -> Arg {
        self.inner.multiple = true;
        self
    }

    /// Only these values are accepted.
    pub fn choices(mut self, choices: &[&str]) -> Arg {
        self.inner.choices = choices.iter().map(|c| RString::from(*c)).collect();
        self
    }

    /// The value may come from this environment variable.
    pub fn env(mut self, var: &str) -> Arg {
        self.inner.env = ROption::RSome(var.into());
        self
    }

    /// The value must be an integer.
    pub fn int(mut self) -> Arg {
        self.inner.value_type = FfiValueType::Int;
        self
    }

    /// The value must be a number.
    pub fn float(mut self) -> Arg {
        self.inner.value_type = FfiValueType::Float;
        self
    }

    /// The value must be `true` or `false`.
    pub fn bool(mut self) -> Arg {
        self.inner.value_type = FfiValueType::Bool;
        self
    }

    /// The value is a path.
    pub fn path(mut self) -> Arg {
        self.inner.value_type = FfiValueType::Path;
        self
    }
}

/// A command, or a group of subcommands, a plugin adds to the CLI (like a click command).
pub struct Command {
    name: String,
    about: String,
    aliases: Vec<String>,
    hidden: bool,
    replace_builtin: bool,
    args: Vec<FfiArg>,
    handler: Option<CommandHandlerBox>,
    subcommands: Vec<Command>,
}

impl Command {
    /// A command named `name`; give it a handler with [`run`](Self::run) or subcommands with
    /// [`subcommand`](Self::subcommand) (then it is a group).
    pub fn new(name: impl Into<String>) -> Command {
        Command {
            name: name.into(),
            about: String::new(),
            aliases: Vec::new(),
            hidden: false,
            replace_builtin: false,
            args: Vec::new(),
            handler: None,
            subcommands: Vec::new(),
        }
    }

    /// One-line help, shown in `--help`.
    pub fn about(mut self, about: impl Into<String>) -> Command {
        self.about = about.into();
        self
    }

    /// Another name for this command.
    pub fn alias(mut self, alias: impl Into<String>) -> Command {
        self.aliases.push(alias.into());
        self
    }

    /// Hide from `--help` (still runs).
    pub fn hidden(mut self) -> Command {
        self.hidden = true;
        self
    }

    /// Replace the built-in command of the same name. Without this a built-in always wins and the
    /// clash is reported by `flyte-host plugin show`.
    pub fn replaces_builtin(mut self) -> Command {
        self.replace_builtin = true;
        self
    }

    /// Adds an argument.
    pub fn arg(mut self, arg: Arg) -> Command {
        // Commands have a few arguments: grow 1, 2, 4, … rather than Vec's first step of 4.
        if self.args.len() == self.args.capacity() {
            self.args.reserve_exact(self.args.len().max(1));
        }
        self.args.push(arg.inner);
        self
    }

    /// Adds a subcommand, making this command a group.
    pub fn subcommand(mut self, command: Command) -> Command {
        self.subcommands.push(command);
        self
    }

    /// What the command does. The closure gets the parsed arguments and returns nothing, an exit
    /// status, or a `Result` of either; a panic is caught and reported as an error.
    pub fn run<F, R>(mut self, f: F) -> Command
    where
        F: Fn(&Invocation) -> R + Send + Sync + 'static,
        R: IntoExitStatus,
    {
        let handler = ExportedHandler(move |inv: &Invocation| f(inv).into_exit_status());
        self.handler = Some(FfiCommandHandler_TO::from_value(handler, TD_Opaque));
        self
    }

    /// Appends this command and its subcommands to `out`, parents first. Strings and vectors move
    /// into their FFI forms without copies.
    fn flatten(self, parent: RVec<RString>, out: &mut Vec<FfiCommand>) {
        let path = if self.subcommands.is_empty() {
            RVec::new()
        } else {
            let mut path = parent.clone();
            path.push(RString::from(self.name.as_str()));
            path
        };
        out.push(FfiCommand {
            parent,
            name: self.name.into(),
            about: self.about.into(),
            aliases: self
                .aliases
                .into_iter()
                .map(RString::from)
                .collect::<Vec<_>>()
                .into(),
            hidden: self.hidden,
            replace_builtin: self.replace_builtin,
            args: self.args.into(),
            handler: self.handler.into(),
        });
        for sub in self.subcommands {
            sub.flatten(path.clone(), out);
        }
    }
}

fn split_path(path: &str) -> Vec<String> {
    path.split_whitespace().map(str::to_owned).collect()
}

/// The host's CLI as `configure_pyflyte_cli` sees it (flytekit's `main` group): inspect the
/// built-in commands, add commands and groups, hide, alias, and change option defaults.
///
/// Paths are command names separated by spaces, e.g. `"config show"`; `""` is the top level.
pub struct Cli<'a> {
    /// Borrowed from the host for the length of the hook call: copying it would cost every start.
    view: &'a FfiCliView,
    /// Declared commands, flattened as they are added.
    commands: Vec<FfiCommand>,
    /// Commands from the built-in plugin's changes, which go first.
    imported: Vec<FfiCommand>,
    edits: Vec<FfiEdit>,
}

impl<'a> Cli<'a> {
    /// Wraps the host's view of its CLI.
    pub fn new(view: &'a FfiCliView) -> Cli<'a> {
        Cli {
            view,
            commands: Vec::new(),
            imported: Vec::new(),
            edits: Vec::new(),
        }
    }

    pub(crate) fn view(&self) -> &FfiCliView {
        self.view
    }

    /// Adds changes made elsewhere (the built-in plugin's) to this CLI's.
    pub(crate) fn absorb(&mut self, changes: FfiCliChanges) {
        self.imported.extend(changes.commands);
        self.edits.extend(changes.edits);
    }

    /// Whether the host has a built-in command at `path`.
    pub fn has_command(&self, path: &str) -> bool {
        let wanted = split_path(path);
        self.view.commands.iter().any(|c| {
            c.path
                .iter()
                .map(|p| p.as_str())
                .eq(wanted.iter().map(String::as_str))
        })
    }

    /// The built-in commands' paths.
    pub fn commands(&self) -> Vec<String> {
        self.view
            .commands
            .iter()
            .map(|c| {
                c.path
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// The global options' long names.
    pub fn global_options(&self) -> Vec<String> {
        self.view
            .global_options
            .iter()
            .map(|o| o.to_string())
            .collect()
    }

    /// Adds a top-level command or group.
    pub fn command(&mut self, command: Command) -> &mut Cli<'a> {
        command.flatten(RVec::new(), &mut self.commands);
        self
    }

    /// Adds a command under an existing group, e.g. `cli.add_to("config", Command::new("env"))`.
    pub fn add_to(&mut self, group: &str, command: Command) -> &mut Cli<'a> {
        let parent = split_path(group).into_iter().map(RString::from).collect();
        command.flatten(parent, &mut self.commands);
        self
    }

    fn edit(&mut self, kind: FfiEditKind, path: &str, option: &str, value: &str) -> &mut Cli<'a> {
        self.edits.push(FfiEdit {
            kind,
            path: split_path(path).into_iter().map(RString::from).collect(),
            option: option.into(),
            value: value.into(),
        });
        self
    }

    /// Hides a command from `--help` (it still runs).
    pub fn hide(&mut self, path: &str) -> &mut Cli<'a> {
        self.edit(FfiEditKind::Hide, path, "", "")
    }

    /// Gives a command another name.
    pub fn alias(&mut self, path: &str, alias: &str) -> &mut Cli<'a> {
        self.edit(FfiEditKind::Alias, path, "", alias)
    }

    /// Changes the default of option `--option` of the command at `path` (`""`: a global option
    /// such as `project` or `domain`).
    pub fn set_default(&mut self, path: &str, option: &str, value: &str) -> &mut Cli<'a> {
        self.edit(FfiEditKind::SetDefault, path, option, value)
    }

    /// The changes to send to the host.
    pub fn into_changes(self) -> FfiCliChanges {
        let commands = if self.imported.is_empty() {
            self.commands
        } else {
            let mut all = self.imported;
            all.extend(self.commands);
            all
        };
        FfiCliChanges {
            commands: commands.into(),
            edits: self.edits.into(),
        }
    }
}
