//! [`Config`]: the barrier's settings (SPEC.md section 2), loadable with serde.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{machine::Rules, Error, Result};

/// The barrier's settings (SPEC.md section 2).
///
/// Closures (`ordering_disabled`, `on_illegal_sequence`) are not part of it: set them
/// on the [builder](crate::Barrier::builder). A live barrier takes a new `Config`
/// through [`Barrier::reconfigure`](crate::Barrier::reconfigure).
///
/// # Serialized form
///
/// Every field is optional (missing ones take their default) and unknown fields are
/// rejected. [`from_toml_str`](Config::from_toml_str) and
/// [`from_json_str`](Config::from_json_str) name the offending setting and value
/// in their [`Error::InvalidConfig`]. **Durations** are written either as a human-readable string in
/// [`humantime`] form (`"20m"`, `"10min"`, `"1h 30m"`, `"250ms"`) or as an integer
/// number of **milliseconds**; they are always written back as strings.
///
/// ```
/// use std::time::Duration;
/// use eventorder::Config;
///
/// // The router's production values.
/// let config = Config::from_toml_str(r#"
///     drain_limit = 1
///     key_threshold = 200
///     disabled_for = "20m"
///     half_enabled_for = 600000          # milliseconds: 10 minutes
///     drain_idle_for = "10m"
///     panic_on_illegal_sequence = true
/// "#)?;
/// assert_eq!(config.disabled_for, Duration::from_secs(20 * 60));
/// assert_eq!(config.half_enabled_for, Duration::from_secs(10 * 60));
///
/// let json = Config::from_json_str(r#"{"drain_limit": 2}"#)?;
/// assert_eq!(json, Config { drain_limit: 2, ..Config::default() });
///
/// assert!(Config::from_toml_str("drain_limt = 1").is_err()); // typo: rejected
/// match Config::from_toml_str(r#"drain_idle_for = "later""#) {
///     Err(eventorder::Error::InvalidConfig { field, value, .. }) => {
///         assert_eq!((field, value.as_str()), ("drain_idle_for", r#""later""#));
///     }
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), eventorder::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// After a failed job of a key is aborted, at most this many jobs of that key may
    /// be in flight until the key settles; 0 = no drain window. Default 0
    /// (production: 1).
    pub drain_limit: usize,
    /// A key with this many jobs in flight at once turns "hot": ordering is switched
    /// off for it. 0 = never. Default 0 (production: 200).
    pub key_threshold: usize,
    /// How long a hot key stays with ordering off. Default 10 minutes (production: 20).
    #[serde(with = "duration_serde")]
    pub disabled_for: Duration,
    /// After that, how long ordering is on but lenient. Default 5 minutes
    /// (production: 10).
    #[serde(with = "duration_serde")]
    pub half_enabled_for: Duration,
    /// How long an open drain window may hold no job before a `sync` closes it
    /// (R-EXPIRE). Default 10 minutes (production: 10). A config file without it
    /// gets the default.
    #[serde(with = "duration_serde")]
    pub drain_idle_for: Duration,
    /// Panic on an illegal sequence instead of reporting it to the observer.
    /// Default `false` (production: `true`).
    pub panic_on_illegal_sequence: bool,
}

/// The longest duration a timer may be set to: the barrier keeps time in `u64`
/// nanoseconds (about 584 years).
pub const MAX_TIMER: Duration = Duration::from_nanos(u64::MAX);

impl Default for Config {
    fn default() -> Self {
        Config {
            drain_limit: 0,
            key_threshold: 0,
            disabled_for: Duration::from_secs(10 * 60),
            half_enabled_for: Duration::from_secs(5 * 60),
            drain_idle_for: Duration::from_secs(10 * 60),
            panic_on_illegal_sequence: false,
        }
    }
}

impl Config {
    /// The router's production values (SPEC.md section 2): drain limit 1, key threshold
    /// 200, 20 minutes disabled, 10 minutes half-enabled, panic on illegal sequences.
    pub fn production() -> Self {
        Config {
            drain_limit: 1,
            key_threshold: 200,
            disabled_for: Duration::from_secs(20 * 60),
            half_enabled_for: Duration::from_secs(10 * 60),
            drain_idle_for: Duration::from_secs(10 * 60),
            panic_on_illegal_sequence: true,
        }
    }

    /// Checks that the barrier can use these settings: every timer at most
    /// [`MAX_TIMER`]. A barrier given settings this rejects
    /// ([`Builder::build`](crate::Builder::build), [`Barrier::with_config`](crate::Barrier::with_config),
    /// [`Barrier::reconfigure`](crate::Barrier::reconfigure)) uses
    /// [`saturated`](Config::saturated) ones instead.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the first timer longer than [`MAX_TIMER`].
    pub fn validate(&self) -> Result<()> {
        for (field, value) in self.timers() {
            if value > MAX_TIMER {
                return Err(Error::InvalidConfig {
                    field,
                    value: format!("{value:?}"),
                    reason: format!(
                        "longer than the barrier can count ({MAX_TIMER:?}, about 584 years); \
                         use a realistic duration such as \"20m\""
                    ),
                });
            }
        }
        Ok(())
    }

    /// These settings with every timer longer than [`MAX_TIMER`] cut down to it:
    /// what a barrier uses when it is given settings that
    /// [`validate`](Config::validate) rejects (a timer of [`Duration::MAX`] is
    /// then "for ever", as far as the barrier can count). Settings that pass
    /// `validate` come back unchanged.
    ///
    /// ```
    /// use std::time::Duration;
    /// use eventorder::{config::MAX_TIMER, Config};
    ///
    /// let forever = Config { disabled_for: Duration::MAX, ..Config::default() };
    /// assert!(forever.validate().is_err());
    /// assert_eq!(forever.saturated().disabled_for, MAX_TIMER);
    /// assert_eq!(Config::production().saturated(), Config::production());
    /// ```
    #[must_use]
    pub fn saturated(mut self) -> Self {
        for timer in [
            &mut self.disabled_for,
            &mut self.half_enabled_for,
            &mut self.drain_idle_for,
        ] {
            *timer = (*timer).min(MAX_TIMER);
        }
        self
    }

    fn timers(&self) -> [(&'static str, Duration); 3] {
        [
            ("disabled_for", self.disabled_for),
            ("half_enabled_for", self.half_enabled_for),
            ("drain_idle_for", self.drain_idle_for),
        ]
    }

    /// Parses and validates a TOML document (see the type docs for the form).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the offending setting and its value
    /// (or [`Error::WHOLE_CONFIG`] and the line, for a syntax error).
    pub fn from_toml_str(text: &str) -> Result<Self> {
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or("", |span| line_at(text, span.start));
            syntax_error(line, e.message())
        })?;
        let document = serde_json::to_value(table).map_err(|e| syntax_error("", &e.to_string()))?;
        Self::from_document(document)
    }

    /// Parses and validates a JSON document (see the type docs for the form).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the offending setting and its value
    /// (or [`Error::WHOLE_CONFIG`] and the line, for a syntax error).
    pub fn from_json_str(text: &str) -> Result<Self> {
        let document: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            let line = text.lines().nth(e.line().saturating_sub(1)).unwrap_or("");
            syntax_error(line.trim(), &e.to_string())
        })?;
        Self::from_document(document)
    }

    /// The derived `Deserialize` decides; when it refuses the document, each
    /// setting is parsed alone to find the one to name.
    fn from_document(document: serde_json::Value) -> Result<Self> {
        let config = match Config::deserialize(&document) {
            Ok(config) => config,
            Err(whole) => return Err(blame(&document, whole)),
        };
        config.validate()?;
        Ok(config)
    }

    /// The settings the pure state machine reads. Timers beyond [`MAX_TIMER`]
    /// saturate (see [`saturated`](Config::saturated)).
    pub(crate) fn rules(&self) -> Rules {
        let nanos = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        Rules {
            drain_limit: self.drain_limit,
            key_threshold: self.key_threshold,
            disabled_for: nanos(self.disabled_for),
            half_enabled_for: nanos(self.half_enabled_for),
            drain_idle_for: nanos(self.drain_idle_for),
        }
    }
}

/// The settings a document may hold: `Config`'s fields, by their serde names.
const SETTINGS: [&str; 6] = [
    "drain_limit",
    "key_threshold",
    "disabled_for",
    "half_enabled_for",
    "drain_idle_for",
    "panic_on_illegal_sequence",
];

/// The [`Error::InvalidConfig`] for a document `Config`'s `Deserialize` refused
/// with `whole`: an unknown setting, or the first setting that fails alone.
fn blame(document: &serde_json::Value, whole: serde_json::Error) -> Error {
    let serde_json::Value::Object(entries) = document else {
        return syntax_error(
            &document.to_string(),
            "expected a table of settings such as `drain_limit = 1`",
        );
    };
    for (name, value) in entries {
        let Some(field) = SETTINGS.iter().copied().find(|s| s == name) else {
            return Error::InvalidConfig {
                field: Error::WHOLE_CONFIG,
                value: name.clone(),
                reason: format!(
                    "unknown setting (check its spelling); the settings are {}",
                    SETTINGS.join(", ")
                ),
            };
        };
        let alone =
            serde_json::Value::Object([(name.clone(), value.clone())].into_iter().collect());
        if let Err(e) = Config::deserialize(&alone) {
            return Error::InvalidConfig {
                field,
                value: value.to_string(),
                reason: e.to_string(),
            };
        }
    }
    syntax_error("", &whole.to_string())
}

fn syntax_error(line: &str, reason: &str) -> Error {
    Error::InvalidConfig {
        field: Error::WHOLE_CONFIG,
        value: line.to_owned(),
        reason: reason.trim().to_owned(),
    }
}

/// The line of `text` that holds byte `at`, trimmed.
fn line_at(text: &str, at: usize) -> &str {
    let before = text.get(..at).unwrap_or(text);
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    text[start..].lines().next().unwrap_or("").trim()
}

/// Durations as humantime strings or integer milliseconds.
///
/// Not `humantime-serde`, which writes the same strings (both use
/// [`humantime::format_duration`]) but reads strings only: a config file with
/// integer milliseconds (`half_enabled_for = 600000`, a documented form) would no
/// longer parse. Parsing and formatting are `humantime`'s; this module only adds
/// the integer form and an error message that shows what to write.
pub(crate) mod duration_serde {
    use std::time::Duration;

    use serde::{de, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&humantime::format_duration(*d))
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Millis(u64),
        Text(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        match Written::deserialize(d).map_err(|_| {
            de::Error::custom(
                "expected a duration: a string such as \"20m\" or \"250ms\", \
                 or an integer number of milliseconds",
            )
        })? {
            Written::Millis(ms) => Ok(Duration::from_millis(ms)),
            Written::Text(text) => humantime::parse_duration(&text).map_err(|e| {
                de::Error::custom(format!(
                    "invalid duration {text:?}: {e} (write e.g. \"20m\", \"10min\" or \"250ms\")"
                ))
            }),
        }
    }
}

/// Optional durations, as [`duration_serde`] writes them (`None`: absent or null).
pub(crate) mod option_duration_serde {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::duration_serde::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    #[derive(Deserialize)]
    struct Wrapped(#[serde(with = "super::duration_serde")] Duration);

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<Wrapped>::deserialize(d)?.map(|Wrapped(d)| d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_spec_table() {
        let c = Config::default();
        assert_eq!(c.drain_limit, 0);
        assert_eq!(c.key_threshold, 0);
        assert_eq!(c.disabled_for, Duration::from_secs(600));
        assert_eq!(c.half_enabled_for, Duration::from_secs(300));
        assert_eq!(c.drain_idle_for, Duration::from_secs(600));
        assert!(!c.panic_on_illegal_sequence);
    }

    /// A file written before `drain_idle_for` existed gets its default; a bad
    /// value fails with a clear `InvalidConfig`.
    #[test]
    fn drain_idle_for_defaults_when_missing_and_rejects_nonsense() {
        let old = Config::from_toml_str("drain_limit = 1\nkey_threshold = 200").unwrap();
        assert_eq!(old.drain_idle_for, Duration::from_secs(600));
        let set = Config::from_toml_str("drain_idle_for = \"90s\"").unwrap();
        assert_eq!(set.drain_idle_for, Duration::from_secs(90));
        let ms = Config::from_json_str(r#"{"drain_idle_for": 2500}"#).unwrap();
        assert_eq!(ms.drain_idle_for, Duration::from_millis(2500));
        for (bad, written) in [
            ("drain_idle_for = \"later\"", "\"later\""),
            ("drain_idle_for = -5", "-5"),
        ] {
            match Config::from_toml_str(bad) {
                Err(Error::InvalidConfig {
                    field,
                    value,
                    reason,
                }) => {
                    assert_eq!((field, value.as_str()), ("drain_idle_for", written));
                    assert!(reason.contains("duration"), "{reason}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        let huge = Config {
            drain_idle_for: Duration::MAX,
            ..Config::default()
        };
        match huge.validate() {
            Err(e @ Error::InvalidConfig { field, .. }) => {
                assert_eq!(field, "drain_idle_for");
                assert!(e.to_string().contains("drain_idle_for = "), "{e}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn round_trips_through_toml_and_json() {
        let c = Config::production();
        let toml_text = toml::to_string(&c).unwrap();
        assert!(toml_text.contains("disabled_for = \"20m\""), "{toml_text}");
        assert_eq!(Config::from_toml_str(&toml_text).unwrap(), c);
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(Config::from_json_str(&json).unwrap(), c);
    }

    #[test]
    fn rejects_nonsense_with_a_clear_error() {
        for (bad, named, written) in [
            ("drain_limit = -1", "drain_limit", "-1"),
            (
                "drain_limit = 1\nkey_threshold = 2.5",
                "key_threshold",
                "2.5",
            ),
            ("disabled_for = \"soon\"", "disabled_for", "\"soon\""),
            ("disabled_for = true", "disabled_for", "true"),
            (
                "panic_on_illegal_sequence = 1",
                "panic_on_illegal_sequence",
                "1",
            ),
            ("unknown = 1", Error::WHOLE_CONFIG, "unknown"),
            (
                "drain_limit = 1\ndrain_limit 2",
                Error::WHOLE_CONFIG,
                "drain_limit 2",
            ),
        ] {
            match Config::from_toml_str(bad) {
                Err(Error::InvalidConfig {
                    field,
                    value,
                    reason,
                }) => {
                    assert_eq!((field, value.as_str()), (named, written), "{bad}");
                    assert!(!reason.is_empty());
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        for (bad, named, written) in [
            (r#"{"drain_limit": "one"}"#, "drain_limit", r#""one""#),
            (r#"{"drain_limt": 1}"#, Error::WHOLE_CONFIG, "drain_limt"),
            ("true", Error::WHOLE_CONFIG, "true"),
            ("{\n\"drain_limit\": 1,\n}", Error::WHOLE_CONFIG, "}"),
        ] {
            match Config::from_json_str(bad) {
                Err(Error::InvalidConfig { field, value, .. }) => {
                    assert_eq!((field, value.as_str()), (named, written), "{bad}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        let huge = Config {
            disabled_for: Duration::MAX,
            ..Config::default()
        };
        assert!(matches!(
            huge.validate(),
            Err(Error::InvalidConfig {
                field: "disabled_for",
                ..
            })
        ));
        assert!(matches!(
            Config::from_json_str("{\"half_enabled_for\": \"1000000000y\"}"),
            Err(Error::InvalidConfig {
                field: "half_enabled_for",
                ..
            })
        ));
    }

    /// `validate` rejects exactly what `saturated` changes, and the list of
    /// settings the errors name is `Config`'s serde fields.
    #[test]
    fn saturated_changes_exactly_what_validate_rejects() {
        let long = MAX_TIMER + Duration::from_nanos(1);
        for timers in 0..8u32 {
            let pick = |bit: u32| {
                if timers & (1 << bit) != 0 {
                    long
                } else {
                    Duration::from_secs(60)
                }
            };
            let c = Config {
                disabled_for: pick(0),
                half_enabled_for: pick(1),
                drain_idle_for: pick(2),
                ..Config::default()
            };
            assert_eq!(c.validate().is_ok(), c.clone().saturated() == c, "{c:?}");
            assert!(c.saturated().validate().is_ok());
        }
        let written = serde_json::to_value(Config::default()).unwrap();
        let names: Vec<&str> = written
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        let mut settings = SETTINGS.to_vec();
        settings.sort_unstable();
        let mut names = names;
        names.sort_unstable();
        assert_eq!(names, settings);
    }

    #[test]
    fn milliseconds_are_accepted() {
        let c = Config::from_json_str(r#"{"disabled_for": 1500}"#).unwrap();
        assert_eq!(c.disabled_for, Duration::from_millis(1500));
    }
}
