//! `eventorder-model explore` serves stateright's Explorer: start it on a free
//! port, poll `GET /.status` (plain HTTP/1.0 over a std `TcpStream`) until it
//! answers, and check the reply carries the model's state counts and status fields.

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

/// Kills the explorer when the test ends, whether it passes or panics.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

/// One `GET` as HTTP/1.0; `None` if the server is not answering (yet).
fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).ok()?;
    (!reply.is_empty()).then_some(reply)
}

/// The number after `"field":` in a JSON text.
fn number(json: &str, field: &str) -> Option<u64> {
    let at = json.find(&format!("\"{field}\":"))? + field.len() + 3;
    let digits: String = json[at..]
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[test]
fn explorer_serves_the_models_status() {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_eventorder-model"))
        .args([
            "explore",
            "--port",
            &port.to_string(),
            "--keys",
            "1",
            "--jobs",
            "2",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start eventorder-model explore");
    let mut child = KillOnDrop(child);

    let deadline = Instant::now() + Duration::from_secs(60);
    let reply = loop {
        if let Some(reply) = get(port, "/.status") {
            break reply;
        }
        if let Some(status) = child.0.try_wait().expect("poll the explorer") {
            panic!("the explorer exited early with {status}");
        }
        assert!(
            Instant::now() < deadline,
            "the explorer did not answer on port {port} within 60 s"
        );
        thread::sleep(Duration::from_millis(100));
    };

    assert!(
        reply.starts_with("HTTP/1.") && reply.contains(" 200 "),
        "not a 200 reply: {reply}"
    );
    let body = &reply[reply.find("\r\n\r\n").expect("headers end") + 4..];
    for field in [
        "done",
        "model",
        "state_count",
        "unique_state_count",
        "properties",
    ] {
        assert!(
            body.contains(&format!("\"{field}\"")),
            "/.status lacks {field}: {body}"
        );
    }
    let states = number(body, "state_count").expect("a numeric state_count");
    let unique = number(body, "unique_state_count").expect("a numeric unique_state_count");
    assert!(unique <= states, "unique states {unique} > states {states}");
    assert!(body.contains("Pipeline"), "not the pipeline model: {body}");
}
