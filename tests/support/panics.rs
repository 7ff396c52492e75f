//! The one panic-silencing helper of the test suites.
//!
//! A panic hook is process-wide and tests of one binary run on several threads at
//! once, so swapping the hook around a test would silence (or un-silence) the
//! other tests' panics too. Instead one hook is installed once; it stays quiet
//! only for the panics a test said it expects, on that test's own thread.

#![allow(dead_code)] // each test file uses its own part

use std::{cell::Cell, panic::PanicHookInfo, sync::Once};

/// What the current thread expects to panic with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Nothing: every panic is printed.
    Nothing,
    /// The barrier's illegal-sequence panics (`"illegal sequence at …"`).
    IllegalSequences,
    /// Any panic (a runner that catches and reports every failure itself).
    Anything,
}

thread_local! {
    static EXPECT: Cell<Expect> = const { Cell::new(Expect::Nothing) };
}

fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
            let message = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied())
                .unwrap_or("");
            let quiet = match EXPECT.with(Cell::get) {
                Expect::Nothing => false,
                Expect::IllegalSequences => message.starts_with("illegal sequence at "),
                Expect::Anything => true,
            };
            if !quiet {
                default(info);
            }
        }));
    });
}

/// From now on, this thread's illegal-sequence panics (thousands of them in the
/// conformance tests) are not printed; every other panic message is.
pub fn quiet_expected_panics() {
    install();
    EXPECT.with(|e| {
        if e.get() == Expect::Nothing {
            e.set(Expect::IllegalSequences);
        }
    });
}

/// Runs `f` with every panic of this thread unprinted (for a runner that catches
/// panics and reports them itself), then restores what the thread expected.
pub fn quietly<R>(f: impl FnOnce() -> R) -> R {
    install();
    let before = EXPECT.with(|e| e.replace(Expect::Anything));
    let result = f();
    EXPECT.with(|e| e.set(before));
    result
}
