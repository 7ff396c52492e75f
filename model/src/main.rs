//! `eventorder-model`: check the router pipeline model, check it across router
//! restarts under a caller contract, refute the mutants, or explore the model in
//! stateright's Explorer.
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use eventorder_model::check::table::{antecedent_counts, header, row};
use eventorder_model::check::{
    check_mutant, deep, deep_restart_configs, find_cycle, restart_configs, run_check, shipped,
    slow, under, vacuous, REFUTATION_DEPTH,
};
use eventorder_model::pipeline::{PipelineConfig, RestartContract};
use eventorder_model::Mutant;
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Model checks of the eventorder barrier (SPEC.md section 6)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check every shipped configuration, or one given by bounds.
    Check {
        #[command(flatten)]
        bounds: Bounds,
        /// Only the shipped configurations whose name contains this text.
        #[arg(long)]
        only: Option<String>,
        /// Checker threads.
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// Also the larger configurations (minutes each; the last one, not
        /// pinned by a test, 15 to 45 minutes).
        #[arg(long)]
        deep: bool,
        /// Also check that each configuration's state graph is acyclic (what
        /// makes G-LIVE's end-state check complete): one more search each.
        #[arg(long)]
        cycles: bool,
        /// Fail if a guarantee's antecedent is reached in none of the
        /// configurations checked (always so for the whole shipped set).
        #[arg(long)]
        require_antecedents: bool,
    },
    /// Check the configurations with router restarts under a caller contract:
    /// exit 0 if every configuration checks as expected, and print each shortest
    /// counterexample.
    Restart {
        /// What the router does after a restart.
        #[arg(long, value_enum, default_value_t = RestartContract::WarmStart)]
        contract: RestartContract,
        /// A job sent again after a restart may get any answer (not only the one
        /// it got before, or a retryable failure).
        #[arg(long)]
        any_answers: bool,
        /// Checker threads.
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// Also the larger configurations.
        #[arg(long)]
        deep: bool,
    },
    /// Show every mutant refuted: a table, then each shortest counterexample.
    Mutants {
        /// Only the mutants whose name contains this text.
        #[arg(long)]
        only: Option<String>,
        /// Print the table only, not the counterexamples.
        #[arg(long)]
        table: bool,
    },
    /// Serve stateright's Explorer on 127.0.0.1 for one configuration.
    Explore {
        /// The port.
        #[arg(long, default_value_t = 3000)]
        port: u16,
        #[command(flatten)]
        bounds: Bounds,
    },
}

/// Custom bounds; giving any of them checks only this configuration.
#[derive(clap::Args)]
struct Bounds {
    /// Ordering keys.
    #[arg(long)]
    keys: Option<usize>,
    /// Jobs per key.
    #[arg(long)]
    jobs: Option<usize>,
    /// Retryable failures per job.
    #[arg(long)]
    failures: Option<u8>,
    /// The barrier's drain_limit.
    #[arg(long)]
    drain_limit: Option<usize>,
    /// The barrier's key_threshold.
    #[arg(long)]
    key_threshold: Option<usize>,
    /// disabled_for, in ticks.
    #[arg(long)]
    disabled_for: Option<u64>,
    /// half_enabled_for, in ticks.
    #[arg(long)]
    half_enabled_for: Option<u64>,
    /// drain_idle_for, in ticks.
    #[arg(long)]
    drain_idle_for: Option<u64>,
    /// Toggles of ordering_disabled available.
    #[arg(long)]
    toggles: Option<u8>,
    /// leave calls available to the pickup loop.
    #[arg(long)]
    leaves: Option<u8>,
    /// Workers (0 = one per key).
    #[arg(long)]
    workers: Option<usize>,
    /// The pickup loop's batch: the oldest due pending jobs, at most this many
    /// (0 = all).
    #[arg(long)]
    batch: Option<usize>,
    /// Pickup loops sharing the barrier (2 is the misuse that breaks G-ORDER).
    #[arg(long)]
    pickup_loops: Option<usize>,
    /// Router restarts (under the warm start).
    #[arg(long)]
    restarts: Option<u8>,
    /// Retry backoff: a failed job is left out of batches until it is due.
    #[arg(long)]
    backoff: bool,
}

impl Bounds {
    fn custom(&self) -> Option<PipelineConfig> {
        let d = PipelineConfig::default();
        let any = self.keys.is_some()
            || self.jobs.is_some()
            || self.failures.is_some()
            || self.drain_limit.is_some()
            || self.key_threshold.is_some()
            || self.disabled_for.is_some()
            || self.half_enabled_for.is_some()
            || self.drain_idle_for.is_some()
            || self.toggles.is_some()
            || self.leaves.is_some()
            || self.workers.is_some()
            || self.batch.is_some()
            || self.pickup_loops.is_some()
            || self.restarts.is_some()
            || self.backoff;
        any.then(|| PipelineConfig {
            name: "custom",
            keys: self.keys.unwrap_or(d.keys),
            jobs_per_key: self.jobs.unwrap_or(d.jobs_per_key),
            failures: self.failures.unwrap_or(d.failures),
            drain_limit: self.drain_limit.unwrap_or(d.drain_limit),
            key_threshold: self.key_threshold.unwrap_or(d.key_threshold),
            disabled_for: self.disabled_for.unwrap_or(d.disabled_for),
            half_enabled_for: self.half_enabled_for.unwrap_or(d.half_enabled_for),
            drain_idle_for: self.drain_idle_for.unwrap_or(d.drain_idle_for),
            toggles: self.toggles.unwrap_or(d.toggles),
            leaves: self.leaves.unwrap_or(d.leaves),
            workers: self.workers.unwrap_or(d.workers),
            batch: self.batch.unwrap_or(d.batch),
            repeated_reads: 0,
            pickup_loops: self.pickup_loops.unwrap_or(d.pickup_loops),
            live_settings: Vec::new(),
            reconfigures: 0,
            report_executing: false,
            restarts: self.restarts.unwrap_or(d.restarts),
            contract: d.contract,
            backoff: self.backoff,
            repeat_answers: d.repeat_answers,
            mutant: None,
            paths: &[],
            // Two pickup loops sharing a barrier is the misuse R-SYNC forbids:
            // G-ORDER is refuted, and `check` prints the counterexample, but
            // an expected refutation names its length, which custom bounds
            // change, so a custom configuration expects none.
            expect_refuted: &[],
        })
    }
}

fn check(
    bounds: &Bounds,
    only: Option<&str>,
    threads: usize,
    include_deep: bool,
    cycles: bool,
    require_antecedents: bool,
) -> ExitCode {
    let mut configs = bounds.custom().map_or_else(
        || {
            let mut all = shipped();
            if include_deep {
                all.extend(deep());
                all.extend(slow());
            }
            all
        },
        |c| vec![c],
    );
    if let Some(only) = only {
        configs.retain(|c| c.name.contains(only));
    }
    if cycles {
        return check_cycles(&configs);
    }
    // Only the whole shipped set (with `--deep`, and the larger ones) must
    // reach every guarantee's antecedent.
    let whole = bounds.custom().is_none() && only.is_none();
    check_all(configs, threads, whole || require_antecedents)
}

/// Each configuration's state graph is acyclic ([`find_cycle`]).
fn check_cycles(configs: &[PipelineConfig]) -> ExitCode {
    let start = std::time::Instant::now();
    let mut ok = true;
    for config in configs {
        let one = std::time::Instant::now();
        match find_cycle(config) {
            Ok(states) => println!(
                "{:<48} {:>10} states, acyclic ({:.1} s)",
                config.name,
                states,
                one.elapsed().as_secs_f64()
            ),
            Err(lasso) => {
                ok = false;
                println!(
                    "{:<48} CYCLE after {} steps: {lasso:?}",
                    config.name,
                    lasso.len()
                );
            }
        }
    }
    println!("total {:.0} s", start.elapsed().as_secs_f64());
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn restart(
    contract: RestartContract,
    any_answers: bool,
    threads: usize,
    include_deep: bool,
) -> ExitCode {
    let mut configs = restart_configs();
    if include_deep {
        configs.extend(deep_restart_configs());
    }
    println!(
        "contract after a restart: {contract:?}{}",
        if any_answers {
            ", a re-sent job may get any answer"
        } else {
            ""
        }
    );
    let configs = configs
        .iter()
        .map(|c| under(c, contract, any_answers))
        .collect();
    check_all(configs, threads, false)
}

/// Check the configurations and print a row each; with `require_antecedents`,
/// also fail if some guarantee's antecedent was reached in none of them.
fn check_all(configs: Vec<PipelineConfig>, threads: usize, require_antecedents: bool) -> ExitCode {
    print!("{}", header());
    let start = std::time::Instant::now();
    let mut ok = true;
    let mut reports = Vec::new();
    for config in configs {
        let report = run_check(&config, threads, true);
        print!("{}", row(&report));
        ok &= report.as_expected();
        for refutation in &report.refutations {
            let name = refutation.property;
            match &refutation.counterexample {
                Some((steps, path)) => {
                    println!("    {name} shortest counterexample ({steps} steps):\n{path}")
                }
                None => println!("    {name}: no counterexample within {REFUTATION_DEPTH} steps"),
            }
        }
        reports.push(report);
    }
    println!("total {:.0} s", start.elapsed().as_secs_f64());
    println!("{}", antecedent_counts(&reports));
    let vacuous = vacuous(&reports);
    if !vacuous.is_empty() {
        println!(
            "vacuous in every configuration checked: {}{}",
            vacuous.join(", "),
            if require_antecedents {
                ""
            } else {
                " (not required of a partial set)"
            }
        );
        ok &= !require_antecedents;
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        println!("some configuration did not check as expected, or a guarantee is vacuous");
        ExitCode::FAILURE
    }
}

fn mutants(only: Option<&str>, table_only: bool) -> ExitCode {
    let start = std::time::Instant::now();
    println!(
        "{:<29} {:<19} {:<44} {:<8} {:>5} {:>7}",
        "mutant", "rule", "configuration", "refuted", "steps", "seconds"
    );
    let mut reports = Vec::new();
    for mutant in Mutant::ALL {
        if only.is_some_and(|only| !format!("{mutant:?}").contains(only)) {
            continue;
        }
        let report = check_mutant(mutant);
        let (by, steps) = match &report.counterexample {
            Some(_) => (report.property.to_string(), report.steps.to_string()),
            None => (format!("SURVIVES ({} holds)", report.property), "-".into()),
        };
        println!(
            "{:<29} {:<19} {:<44} {:<8} {:>5} {:>7.1}",
            format!("{mutant:?}"),
            mutant.rule(),
            report.configuration,
            by,
            steps,
            report.seconds
        );
        reports.push(report);
    }
    println!("total {:.0} s", start.elapsed().as_secs_f64());
    if !table_only {
        for report in &reports {
            if let Some(path) = &report.counterexample {
                println!(
                    "\n{:?} ({}), refuted by {} on \"{}\" in {} steps:\n{path}",
                    report.mutant,
                    report.mutant.rule(),
                    report.property,
                    report.configuration,
                    report.steps
                );
            }
        }
    }
    let survivors: Vec<Mutant> = reports
        .iter()
        .filter(|r| r.counterexample.is_none())
        .map(|r| r.mutant)
        .collect();
    if survivors.is_empty() {
        println!("every mutant refuted");
        ExitCode::SUCCESS
    } else {
        println!("surviving mutants: {survivors:?}");
        ExitCode::FAILURE
    }
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check {
            bounds,
            only,
            threads,
            deep,
            cycles,
            require_antecedents,
        } => check(
            &bounds,
            only.as_deref(),
            threads,
            deep,
            cycles,
            require_antecedents,
        ),
        Command::Restart {
            contract,
            any_answers,
            threads,
            deep,
        } => restart(contract, any_answers, threads, deep),
        Command::Mutants { only, table } => mutants(only.as_deref(), table),
        Command::Explore { port, bounds } => {
            let config = bounds.custom().unwrap_or_else(|| shipped().remove(0));
            println!(
                "Explorer for \"{}\" on http://127.0.0.1:{port}/",
                config.name
            );
            use stateright::Model;
            config.model().checker().serve(("127.0.0.1", port));
            ExitCode::SUCCESS
        }
    }
}
