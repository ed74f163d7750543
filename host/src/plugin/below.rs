//! Who is asking: the per-call context that lets `host::default_*` answer with the layers below
//! the calling layer, and records which layers an answer passed through.
//!
//! The host's service table is one for every library, so it cannot tell its callers apart by
//! itself. Every call into a layer's code runs through [`as_caller`], which notes the layer's
//! index for the services that code may call on this thread (hooks run on the calling thread,
//! see [`crate::hook_timeout`]), saving and restoring the outer one: a layer's hook may ask for
//! the answer below, whose hook may ask again, down to the built-in plugin.

use std::cell::{Cell, RefCell};

use super::HookError;

/// A failure of the layers below a running hook, recorded by the host service that met it.
#[derive(Debug)]
pub(crate) struct Failure {
    /// What failed, naming the layer.
    pub error: HookError,
    /// Whether the calling layer was told (a 1.1 `try_default_*` or `default_get_remote`); a
    /// 1.0 service could not say, so the caller's answer is not trusted.
    pub seen: bool,
}

/// Who answered a hook, in the order their code ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answerer {
    /// The layer at this index (top = 0).
    Layer(usize),
    /// The built-in plugin.
    Builtin,
}

thread_local! {
    static CALLER: Cell<Option<usize>> = const { Cell::new(None) };
    static FAILURE: RefCell<Option<Failure>> = const { RefCell::new(None) };
    static TRACE: RefCell<Vec<Answerer>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f`, the code of layer `index`, as the caller of the host services; returns its result
/// and the failure of the layers below it that a service recorded meanwhile.
pub(super) fn as_caller<T>(index: usize, f: impl FnOnce() -> T) -> (T, Option<Failure>) {
    let outer_caller = CALLER.with(|c| c.replace(Some(index)));
    let outer_failure = FAILURE.with(|f| f.borrow_mut().take());
    let result = f();
    let failure = FAILURE.with(|f| std::mem::replace(&mut *f.borrow_mut(), outer_failure));
    CALLER.with(|c| c.set(outer_caller));
    (result, failure)
}

/// The index of the layer whose code is running, if any.
pub(super) fn caller() -> Option<usize> {
    CALLER.with(Cell::get)
}

/// Records that a service could not give the calling layer the answer below it (the first
/// failure counts).
pub(crate) fn record_failure(error: HookError, seen: bool) {
    FAILURE.with(|f| {
        f.borrow_mut().get_or_insert(Failure { error, seen });
    });
}

/// Runs `f`, a whole resolution of a hook by the host, with a trace of its own; returns its
/// result and who answered, in the order their code ran.
pub(super) fn traced<T>(f: impl FnOnce() -> T) -> (T, Vec<Answerer>) {
    let outer = TRACE.with(|t| std::mem::take(&mut *t.borrow_mut()));
    let result = f();
    let trace = TRACE.with(|t| std::mem::replace(&mut *t.borrow_mut(), outer));
    (result, trace)
}

/// Where the next answerer would go in the trace.
pub(super) fn mark() -> usize {
    TRACE.with(|t| t.borrow().len())
}

/// Records `who` as answering at trace position `at` (before the answers it asked for).
pub(super) fn answered(at: usize, who: Answerer) {
    TRACE.with(|t| {
        let mut t = t.borrow_mut();
        let at = at.min(t.len());
        t.insert(at, who);
    });
}

/// Forgets what was recorded after trace position `at` (a layer that kept the default: what its
/// default body asked for is asked again below).
pub(super) fn forget_after(at: usize) {
    TRACE.with(|t| t.borrow_mut().truncate(at));
}
