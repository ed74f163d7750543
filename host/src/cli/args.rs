//! Plugin command arguments: the checks that keep a declaration from confusing clap, and the
//! clap commands and arguments built from declarations.

use clap::{
    builder::{PossibleValuesParser, ValueParser, ValueRange},
    value_parser, Arg, ArgAction, Command,
};
use flyte_plugin_abi::types::{FfiArg, FfiArgKind, FfiCommand, FfiValueType};

use super::{
    builtin::{CLAP_SHORTS, GLOBAL_OPTIONS},
    extend::{valid_name, PluginCommand},
};

/// The clap command for a plugin command (its arguments were checked by [`check_args`]).
pub(super) fn clap_command(command: &PluginCommand) -> Command {
    let mut cmd = Command::new(command.name.to_string()).about(command.about.to_string());
    if command.handler.is_none() {
        cmd = cmd.subcommand_required(true).arg_required_else_help(true);
    }
    cmd.args(command.args.iter().map(clap_arg))
}

/// Checks that a declaration's arguments make sense and cannot confuse clap.
pub(super) fn check_args(decl: &FfiCommand, shown: impl std::fmt::Display) -> Result<(), String> {
    let mut seen_optional_positional = false;
    let positionals = decl
        .args
        .iter()
        .filter(|a| a.kind == FfiArgKind::Positional)
        .count();
    let mut positional_index = 0;
    for (i, arg) in decl.args.iter().enumerate() {
        // Commands have a handful of arguments: the earlier ones are scanned, nothing allocated.
        let earlier = &decl.args[..i];
        let name = arg.name.as_str();
        let mut check = || -> Result<(), String> {
            if !valid_name(name) {
                return Err("the name is not valid".into());
            }
            if GLOBAL_OPTIONS.iter().any(|g| g.long == name) || name == "help" || name == "version"
            {
                return Err(format!("'--{name}' is a global option of flyte-host"));
            }
            if earlier.iter().any(|a| a.name.as_str() == name) {
                return Err("declared twice".into());
            }
            if arg.short != 0 {
                let short = char::from_u32(arg.short)
                    .filter(char::is_ascii_alphanumeric)
                    .ok_or("the short flag is not a letter or digit")?;
                let reserved =
                    GLOBAL_OPTIONS.iter().any(|g| g.short == short) || CLAP_SHORTS.contains(&short);
                if reserved || earlier.iter().any(|a| a.short == arg.short) {
                    return Err(format!("'-{short}' is already taken"));
                }
            }
            if arg.required && arg.default.is_some() {
                return Err("it is required and has a default".into());
            }
            if let Some(default) = arg.default.as_ref().into_option() {
                check_value(arg, default.as_str()).map_err(|m| format!("default {m}"))?;
            }
            if arg.kind == FfiArgKind::Positional {
                positional_index += 1;
                if arg.required && seen_optional_positional {
                    return Err("a required positional cannot follow an optional one".into());
                }
                if arg.multiple && positional_index != positionals {
                    return Err("only the last positional may repeat".into());
                }
                seen_optional_positional |= !arg.required;
            }
            Ok(())
        };
        check().map_err(|m| format!("argument '{name}' of command '{shown}': {m}"))?;
    }
    Ok(())
}

/// Checks a value against an argument's type and choices; the error completes "default …".
pub(super) fn check_value(arg: &FfiArg, value: &str) -> Result<(), String> {
    if !arg.choices.is_empty() && !arg.choices.iter().any(|c| c.as_str() == value) {
        return Err(format!("'{value}' is not one of its choices"));
    }
    let ok = match arg.value_type {
        FfiValueType::Int => value.parse::<i64>().is_ok(),
        FfiValueType::Float => value.parse::<f64>().is_ok(),
        FfiValueType::Bool => value == "true" || value == "false",
        FfiValueType::String | FfiValueType::Path => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("'{value}' does not match its type"))
    }
}

fn value_parser_for(arg: &FfiArg) -> ValueParser {
    if !arg.choices.is_empty() {
        let choices: Vec<String> = arg.choices.iter().map(|c| c.to_string()).collect();
        return PossibleValuesParser::new(choices).into();
    }
    match arg.value_type {
        FfiValueType::Int => value_parser!(i64).into(),
        FfiValueType::Float => value_parser!(f64).into(),
        FfiValueType::Bool => value_parser!(bool),
        FfiValueType::Path => value_parser!(std::path::PathBuf),
        FfiValueType::String => value_parser!(String),
    }
}

fn clap_arg(decl: &FfiArg) -> Arg {
    let name = decl.name.to_string();
    let mut arg = Arg::new(name.clone()).help(decl.help.to_string());
    arg = match decl.kind {
        FfiArgKind::Flag => arg.long(name).action(ArgAction::SetTrue),
        FfiArgKind::Option => arg
            .long(name.clone())
            .value_name(name.to_uppercase())
            .value_parser(value_parser_for(decl))
            .action(if decl.multiple {
                ArgAction::Append
            } else {
                ArgAction::Set
            }),
        FfiArgKind::Positional => arg
            .value_name(name.to_uppercase())
            .value_parser(value_parser_for(decl))
            .num_args(if decl.multiple {
                ValueRange::new(1..)
            } else {
                ValueRange::SINGLE
            }),
    };
    if matches!(decl.value_type, FfiValueType::Int | FfiValueType::Float) {
        arg = arg.allow_negative_numbers(true);
    }
    if let Some(short) = char::from_u32(decl.short).filter(|_| decl.short != 0) {
        arg = arg.short(short);
    }
    if decl.required {
        arg = arg.required(true);
    }
    if let Some(default) = decl.default.as_ref().into_option() {
        arg = arg.default_value(default.to_string());
    }
    if let Some(env) = decl.env.as_ref().into_option() {
        arg = arg.env(env.to_string());
    }
    arg
}
