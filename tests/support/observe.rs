//! The comparisons of what a user reads besides the answers: each record's
//! queued effects in order (`Snapshot`), the timers of the snapshot and of the
//! `Display` dump, and the counters of `stats()` with the calls of the
//! `ordering_disabled` predicate, each against the reference.
//!
//! SPEC.md fixes none of the dump's wording nor the counters: the timers are
//! compared with the reference's ages and with what its `sync` would do (a
//! window the dump says closes after `Y` more is closed by a `sync` `Y` + 1 ms
//! later and, if `Y > 0`, still open `Y` ms later), and the counters with
//! `eventorder_model::reference::Counts`, written from the counters' docs in
//! the terms of the rules.

use std::time::Duration;

use eventorder::{Effect, Snapshot, Stats};
use eventorder_model::reference::{self as model, Counts, Mode, Reference};

use super::{Key, Sut, View};

/// The reference's effect as the library names it.
fn public(effect: model::Effect) -> Effect {
    match effect {
        model::Effect::Leave => Effect::Leave,
        model::Effect::Failed => Effect::Fail,
        model::Effect::Release => Effect::Release,
        model::Effect::Abort => Effect::Abort,
    }
}

/// Every real record's queued effects, in order, are the reference's queue
/// restricted to its key (R-SYNC applies a key's effects in queue order; effects
/// of different keys never meet, and the real queues are per shard).
pub fn compare_queues(snap: &Snapshot<Key>, reference: &Reference<Key>) -> Result<(), String> {
    for record in &snap.records {
        let want: Vec<(i64, Effect)> = reference
            .queue
            .iter()
            .filter(|(k, _, _)| *k == record.key)
            .map(|&(_, job, effect)| (job, public(effect)))
            .collect();
        let real: Vec<(i64, Effect)> = record.queue.iter().map(|&(j, e)| (j.0, e)).collect();
        if real != want || record.queued_effects != want.len() {
            return Err(format!(
                "k{}: queued effects differ: real {real:?} ({} counted), reference {want:?}",
                record.key, record.queued_effects
            ));
        }
    }
    Ok(())
}

/// The durations of a dump ("3ms", "1s 5ms", "0s"), summed.
fn parse_duration(text: &str) -> Option<Duration> {
    let mut total = Duration::ZERO;
    for token in text.split_whitespace() {
        let digits = token.find(|c: char| !c.is_ascii_digit())?;
        let n: u64 = token[..digits].parse().ok()?;
        total += match &token[digits..] {
            "ns" => Duration::from_nanos(n),
            "us" => Duration::from_micros(n),
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(60 * n),
            "h" => Duration::from_secs(3600 * n),
            _ => return None,
        };
    }
    Some(total)
}

/// The duration in `line` between `before` and the first of `ends` after it.
fn duration_after(line: &str, before: &str, ends: &[&str]) -> Option<Duration> {
    let rest = &line[line.find(before)? + before.len()..];
    let end = ends
        .iter()
        .filter_map(|e| rest.find(e))
        .min()
        .unwrap_or(rest.len());
    parse_duration(&rest[..end])
}

/// Whether a `sync` `ticks` from now, with nothing queued and no change of the
/// settings pending, leaves `key`'s drain window open (the reference's R-EXPIRE).
fn window_open_after(reference: &Reference<Key>, key: Key, ticks: u64) -> bool {
    let mut later = reference.clone();
    later.queue.clear();
    later.pending_config = None;
    later.advance(ticks);
    later.sync();
    later.records.get(&key).is_some_and(|r| r.drain.is_some())
}

/// The timers a user reads: the snapshot's `drain_closes_in`, and in the
/// `Display` dump, per record, the mode's age and the idle window's age and
/// time left (the snapshot's ages are compared in `compare_state`); and the
/// dump's header counts.
pub fn compare_timers(
    snap: &Snapshot<Key>,
    dump: &str,
    reference: &Reference<Key>,
) -> Result<(), String> {
    let ms = |ticks: u64| Duration::from_millis(ticks);
    let header = format!(
        "{} record(s), {} queued effect(s)",
        reference.size(),
        reference.queue.len()
    );
    if !dump.lines().next().is_some_and(|l| l.contains(&header)) {
        return Err(format!("Display: header is not {header:?}:\n{dump}"));
    }
    for (&key, want) in &reference.records {
        let prefix = format!("  {key:?}: ");
        let Some(line) = dump.lines().find(|l| l.starts_with(&prefix)) else {
            return Err(format!("Display: no line for k{key}:\n{dump}"));
        };
        let bad = |what: &str| {
            Err(format!(
                "Display, k{key}: {what}:\n  real      {line}\n  reference {want:?} (now {})",
                reference.now
            ))
        };
        let mode = match want.mode {
            Mode::Enabled => line.contains("ordering on"),
            Mode::Disabled { since } => {
                duration_after(line, "ordering OFF for ", &[" ("])
                    == Some(ms(reference.now - since))
            }
            Mode::HalfEnabled { since } => {
                duration_after(line, "ordering half-on for ", &[";"])
                    == Some(ms(reference.now - since))
            }
        };
        if !mode {
            return bad("the mode's age");
        }
        let idle_since = want.drain.as_ref().and_then(|w| w.idle_since);
        let real_left = snap.record(&key).and_then(|r| r.drain_closes_in);
        let Some(since) = idle_since else {
            if real_left.is_some() || line.contains("idle for") {
                return bad("an idle window the reference does not have");
            }
            continue;
        };
        if duration_after(line, "idle for ", &[":"]) != Some(ms(reference.now - since)) {
            return bad("the window's idle time");
        }
        let shown = if line.contains("a sync any moment later closes it") {
            Some(Duration::ZERO)
        } else {
            duration_after(line, "a sync closes it after ", &[" more"])
        };
        let Some(left) = shown.filter(|&shown| Some(shown) == real_left) else {
            return bad(&format!(
                "the time left shown differs from the snapshot's {real_left:?}"
            ));
        };
        let left = u64::try_from(left.as_millis()).expect("short timers");
        if window_open_after(reference, key, left + 1)
            || (left > 0 && !window_open_after(reference, key, left))
        {
            return bad(&format!(
                "a sync after {left} ms more does not close the window as the reference's does"
            ));
        }
    }
    Ok(())
}

/// The counters of `stats()` and the predicate's calls against the counts the
/// reference's calls add up to.
pub fn compare_counts<F: View>(sut: &Sut<F>, counts: &Counts) -> Result<(), String> {
    let Stats {
        entered,
        rejected,
        waits_told,
        failures_recorded,
        drains_opened,
        keys_gone_hot,
        keys_re_enabled,
        effects_applied,
        drains_expired,
        records_expired,
        ..
    } = sut.barrier.stats();
    let real = Counts {
        entered,
        rejected,
        waits_told,
        failures_recorded,
        drains_opened,
        keys_gone_hot,
        keys_re_enabled,
        effects_applied,
        drains_expired,
        records_expired,
        predicate_asks: sut.predicate_asks(),
    };
    let illegal = sut.barrier.stats().illegal_sequences();
    if real != *counts || illegal != 0 {
        return Err(format!(
            "counters differ (illegal sequences {illegal}):\n  real      {real:?}\n  reference {counts:?}"
        ));
    }
    Ok(())
}
