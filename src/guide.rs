//! The guides: the specification and the documents the [crate docs](crate) link
//! to, one module each, so that their links work on docs.rs as they do in the
//! repository. Their Rust examples run as doc tests.
//!
//! # How the links resolve in both places
//!
//! Each document links to the others with reference links (`[text][guide-spec]`)
//! and ends with definitions relative to its own place in the repository
//! (`[guide-spec]: ../spec/SPEC.md`), which GitHub follows. Here, each module's
//! docs start with `src/guide/links.md`, which defines the same labels as
//! rustdoc paths (`[guide-spec]: crate::guide::spec`); Markdown takes the first
//! definition of a label, so rustdoc links module to module and never sees the
//! repository paths. A new link between documents needs its label in both.

/// Declares one guide module per document: a summary line, the shared link
/// definitions, then the document.
macro_rules! guides {
    ($($name:ident = $path:literal, $summary:literal;)*) => {$(
        #[doc = $summary]
        #[doc = ""]
        #[doc = include_str!("guide/links.md")]
        #[doc = include_str!($path)]
        pub mod $name {}
    )*};
}

guides! {
    spec = "../spec/SPEC.md",
        "The specification (`spec/SPEC.md`): every rule (`R-…`) and guarantee (`G-…`).";
    configuration = "../docs/configuration.md",
        "Every setting, its default and production value, TOML/JSON, live changes.";
    go_mapping = "../docs/go-mapping.md",
        "Each call of the original Go package and its counterpart here.";
    verification = "../docs/verification.md",
        "How the barrier is verified: model checking, conformance, replay, scenarios.";
    performance = "../docs/performance.md",
        "Hot-path and memory benchmarks, and why the barrier is fast.";
    simulation = "../docs/simulation.md",
        "The router simulation on the real barrier (`examples/router`).";
    architecture = "../docs/architecture.md",
        "How the crate is built: its modules, locking and consistency.";
    job_states = "../docs/job-states.md",
        "Adding a job state (`spec/job_states.toml`).";
    changing_a_rule = "../docs/changing-a-rule.md",
        "Changing a rule: the files it touches, in order, and the commands that re-pin.";
    restarts = "../docs/restarts.md",
        "The warm start after a restart, the model's restarts and the kill test.";
    introspection = "../docs/introspection.md",
        "\"Why is this key stuck?\": snapshots, stats and `tracing`.";
    changelog = "../CHANGELOG.md",
        "The changelog.";
}
