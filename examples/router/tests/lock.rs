//! R-RESTART's one-process rule: a router refuses to start on a database that
//! another router process holds, with a clear message and exit status 75; the
//! lock goes with the process, so a SIGKILL leaves none behind.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
};

fn router() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_eventorder-router"))
}

/// A slow workload (one worker, 2 ms a send: several seconds of work), so that
/// the first router still runs when the second one starts.
fn command(db: &Path) -> Command {
    let mut cmd = Command::new(router());
    cmd.args([
        "--quiet",
        "--keys",
        "50",
        "--jobs",
        "3000",
        "--workers",
        "1",
        "--send-latency",
        "2000",
        "--db",
    ])
    .arg(db)
    .stdin(Stdio::null());
    cmd
}

/// Starts a router on `db` and waits for its start line (printed once it holds
/// the database and has done its warm start).
fn start_holding(db: &Path) -> (Child, String) {
    let mut child = command(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.starts_with("start "),
        "unexpected first line: {line:?}"
    );
    (child, line)
}

fn temp_db() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("eventorder-lock-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("router.sqlite")
}

#[test]
fn a_second_router_on_a_held_database_exits_with_75_and_a_clear_message() {
    let db = temp_db();
    let (mut first, line) = start_holding(&db);
    assert!(line.starts_with("start 1 "), "{line}");

    let second = command(&db).output().unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(75), "stderr: {stderr}");
    assert!(
        stderr.contains("is in use by another router process"),
        "stderr: {stderr}"
    );
    // It did nothing: no start recorded, nothing printed.
    assert!(second.stdout.is_empty());

    // SIGKILL the holder: the operating system drops its lock, and the next
    // router starts on the database (its second start: the refused one left no
    // trace).
    first.kill().unwrap();
    first.wait().unwrap();
    let (mut third, line) = start_holding(&db);
    assert!(line.starts_with("start 2 "), "{line}");
    third.kill().unwrap();
    third.wait().unwrap();
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}
