//! The plugin side of the boundary: `export_plugin!` and the glue that turns a [`FlytekitPlugin`]
//! into the root module, catching every panic before it can reach the host.

use std::{
    cell::{Cell, RefCell},
    panic::{self, AssertUnwindSafe},
    sync::{
        atomic::{AtomicBool, Ordering},
        Once,
    },
};

use abi_stable::{
    prefix_type::PrefixTypeTrait,
    std_types::{ROption, RResult, RStr, RString},
};

use crate::{
    cache::export_policy,
    cli::Cli,
    ffi::{
        AbiVersion, FfiCachePolicies, FfiCliChanges, FfiCliView, FfiRemote, FfiRemoteRequest,
        HookOutput, PluginInfo,
    },
    host,
    module::{HostServicesRef, PluginMod, PluginModRef},
    plugin::{FlytekitPlugin, PluginError},
};

/// Set by the test harness: this process is a plugin's `cargo test`, not a host.
pub(crate) static UNDER_TEST: AtomicBool = AtomicBool::new(false);

thread_local! {
    static USED_DEFAULT: Cell<bool> = const { Cell::new(false) };
    static GUARDED: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Called by the default body of every hook, so the host learns the plugin kept the default.
pub(crate) fn mark_default() {
    USED_DEFAULT.with(|d| d.set(true));
}

/// Replaces the default panic output of this library's copy of std (a backtrace-style message on
/// stderr) with a quiet record of the message and location, which [`guarded`] reports as an error.
/// A panic outside any hook (a thread of the plugin's own) is still reported, in one line.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let outside = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let message = panic_message(info.payload());
            let text = match info.location() {
                Some(loc) => format!("panicked at {}:{}: {message}", loc.file(), loc.line()),
                None => format!("panicked: {message}"),
            };
            if GUARDED.with(Cell::get) {
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(text));
            } else if UNDER_TEST.load(Ordering::Relaxed) {
                // In a plugin's own tests (the harness's process) the test's panics, such as
                // failed assertions, keep their usual report.
                outside(info);
            } else {
                eprintln!("flyte-host plugin: a plugin thread {text}");
            }
        }));
    });
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_owned()
    }
}

/// Runs plugin code, turning an error or a panic into an error message for the host.
pub(crate) fn guarded<T>(f: impl FnOnce() -> Result<T, PluginError>) -> RResult<T, RString> {
    // Hooks can nest (a command asks for the resolved remote, which runs get_remote).
    let outer = GUARDED.with(|g| g.replace(true));
    let outcome = panic::catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(outer));
    match outcome {
        Ok(Ok(value)) => RResult::ROk(value),
        Ok(Err(err)) => RResult::RErr(err.message().into()),
        Err(payload) => {
            let recorded = LAST_PANIC.with(|p| p.borrow_mut().take());
            let text =
                recorded.unwrap_or_else(|| format!("panicked: {}", panic_message(&*payload)));
            RResult::RErr(text.into())
        }
    }
}

/// Runs a hook: catches panics and records whether the plugin kept the default.
fn hook<T>(f: impl FnOnce() -> Result<T, PluginError>) -> HookOutput<T> {
    // Saved and restored: a hook may call the host, which may call another hook.
    let outer = USED_DEFAULT.with(|d| d.replace(false));
    let value = guarded(f);
    HookOutput {
        value,
        used_default: USED_DEFAULT.with(|d| d.replace(outer)),
    }
}

/// Implemented by [`export_plugin!`](crate::export_plugin): the plugin's single instance and metadata.
#[doc(hidden)]
pub trait PluginInstance: FlytekitPlugin + Sized {
    /// The plugin's name.
    const NAME: &'static str;
    /// The plugin's version.
    const VERSION: &'static str;
    /// The plugin's instance, created on first use.
    fn instance() -> &'static Self;
}

extern "C" fn handshake<P: PluginInstance>(services: HostServicesRef) -> PluginInfo {
    install_panic_hook();
    host::install(services);
    PluginInfo {
        name: P::NAME.into(),
        version: P::VERSION.into(),
        abi_version: AbiVersion::CURRENT,
        min_host_abi: P::MIN_HOST_ABI,
    }
}

extern "C" fn get_remote<P: PluginInstance>(request: FfiRemoteRequest) -> HookOutput<FfiRemote> {
    hook(|| {
        let remote = P::instance().get_remote(
            request.config_file(),
            &request.project,
            &request.domain,
            request.upload_location(),
        )?;
        Ok(FfiRemote::from(&remote))
    })
}

extern "C" fn configure_pyflyte_cli<P: PluginInstance>(
    main: &FfiCliView,
) -> HookOutput<FfiCliChanges> {
    hook(|| {
        let mut cli = Cli::new(main);
        P::instance().configure_pyflyte_cli(&mut cli)?;
        Ok(cli.into_changes())
    })
}

extern "C" fn secret_requires_group<P: PluginInstance>() -> HookOutput<bool> {
    hook(|| P::instance().try_secret_requires_group())
}

extern "C" fn get_default_image<P: PluginInstance>() -> HookOutput<ROption<RString>> {
    hook(|| {
        Ok(P::instance()
            .try_get_default_image()?
            .map(RString::from)
            .into())
    })
}

extern "C" fn get_auth_success_html<P: PluginInstance>(
    endpoint: RStr<'_>,
) -> HookOutput<ROption<RString>> {
    hook(|| {
        Ok(P::instance()
            .try_get_auth_success_html(endpoint.as_str())?
            .map(RString::from)
            .into())
    })
}

extern "C" fn get_default_cache_policies<P: PluginInstance>() -> HookOutput<FfiCachePolicies> {
    hook(|| {
        Ok(P::instance()
            .get_default_cache_policies()?
            .into_iter()
            .map(export_policy)
            .collect())
    })
}

#[cfg(feature = "next")]
extern "C" fn get_console_url<P: PluginInstance>(
    endpoint: RStr<'_>,
) -> HookOutput<ROption<RString>> {
    hook(|| {
        Ok(P::instance()
            .get_console_url(endpoint.as_str())
            .map(RString::from)
            .into())
    })
}

/// Builds the root module for plugin `P`. Used by [`export_plugin!`](crate::export_plugin).
#[doc(hidden)]
pub fn root_module<P: PluginInstance>() -> PluginModRef {
    PluginMod {
        handshake: handshake::<P>,
        get_remote: get_remote::<P>,
        configure_pyflyte_cli: configure_pyflyte_cli::<P>,
        secret_requires_group: secret_requires_group::<P>,
        get_default_image: get_default_image::<P>,
        get_auth_success_html: get_auth_success_html::<P>,
        get_default_cache_policies: get_default_cache_policies::<P>,
        #[cfg(feature = "next")]
        get_console_url: get_console_url::<P>,
    }
    .leak_into_prefix()
}

/// Exports a [`FlytekitPlugin`] implementation as the library's flyte-host plugin.
///
/// `export_plugin!(Acme)` takes the plugin's name and version from its Cargo package;
/// `export_plugin!(Acme, name = "acme", version = "2.1.0")` sets them. The type must implement
/// `Default`; the host creates one instance on first use. Use it once per library.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        $crate::export_plugin!(
            $plugin,
            name = env!("CARGO_PKG_NAME"),
            version = env!("CARGO_PKG_VERSION")
        );
    };
    ($plugin:ty, name = $name:expr, version = $version:expr $(,)?) => {
        impl $crate::__private::PluginInstance for $plugin {
            const NAME: &'static str = $name;
            const VERSION: &'static str = $version;
            fn instance() -> &'static Self {
                static INSTANCE: ::std::sync::OnceLock<$plugin> = ::std::sync::OnceLock::new();
                INSTANCE.get_or_init(<$plugin as ::std::default::Default>::default)
            }
        }

        #[doc(hidden)]
        pub fn __flyte_plugin_root_module() -> $crate::PluginModRef {
            $crate::__private::root_module::<$plugin>()
        }

        /// The abi_stable library header the host looks up (what `#[export_root_module]` emits).
        #[doc(hidden)]
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        pub static _1as_0lib_1header_0root_bmodule_bloader: $crate::__private::LibHeader = {
            extern "C" fn erased_root_module() -> $crate::__private::RootModuleResult {
                $crate::__private::call_root_module_loader(__flyte_plugin_root_module)
            }
            // SAFETY: the constructor returns the `PluginModRef` this header describes.
            unsafe {
                $crate::__private::LibHeader::from_constructor::<$crate::PluginModRef>(
                    erased_root_module,
                    $crate::__private::CheckTypeLayout::Yes,
                )
            }
        };
    };
}
