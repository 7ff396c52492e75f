//! Placeholder: the reference model lives here (issue 3).
