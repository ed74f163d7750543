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

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(text: &str) -> HookError {
        HookError::Config(text.to_owned())
    }

    #[test]
    fn callers_nest_and_restore() {
        assert_eq!(caller(), None);
        let ((inner, after_inner), _) = as_caller(0, || {
            let (inner, _) = as_caller(2, caller);
            (inner, caller())
        });
        assert_eq!((inner, after_inner), (Some(2), Some(0)));
        assert_eq!(caller(), None);
    }

    #[test]
    fn a_failure_below_belongs_to_the_call_that_met_it() {
        let (_, outer) = as_caller(0, || {
            let (_, inner) = as_caller(1, || {
                record_failure(failure("first"), false);
                record_failure(failure("second"), true);
            });
            let inner = inner.expect("the inner call met a failure");
            assert_eq!(inner.error.to_string(), "first");
            assert!(!inner.seen);
        });
        assert!(outer.is_none(), "the outer call met none itself");
    }

    #[test]
    fn traces_record_answerers_in_the_order_their_code_ran() {
        let (_, trace) = traced(|| {
            let at = mark();
            // Layer 0's hook ran and asked below, where layer 2 answered.
            answered(mark(), Answerer::Layer(2));
            answered(at, Answerer::Layer(0));
            // A layer that kept the default: what it asked is forgotten.
            let at = mark();
            answered(mark(), Answerer::Builtin);
            forget_after(at);
        });
        assert_eq!(trace, [Answerer::Layer(0), Answerer::Layer(2)]);
        let (_, empty) = traced(|| ());
        assert!(empty.is_empty());
    }
}
