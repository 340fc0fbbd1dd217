//! `planhost shell` against real servers: output whose reader went away
//! (`| head -1`), servers restarted under an open prompt, and Ctrl-C while
//! the prompt waits for an answer. The prompt runs on a real
//! pseudo-terminal (`script` from util-linux allocates it).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use planhost_tests::{Server, TempDir, Terminal, planhost_bin, spawn_serve};

/// `planhost serve DIR --addr ADDR` on a directory it does not own (so a
/// server can stop and another start on the same plan); killed on drop.
struct Serve {
    child: Child,
    addr: SocketAddr,
}

impl Serve {
    fn start(dir: &Path, addr: &str) -> Serve {
        let (mut child, addr, _) = spawn_serve(dir, addr, &[]);
        let mut stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Serve { child, addr }
    }

    /// Stops the server with `signal` and waits for it to exit.
    fn stop(mut self, signal: rustix::process::Signal) {
        let pid = rustix::process::Pid::from_raw(self.child.id() as i32).expect("pid");
        rustix::process::kill_process(pid, signal).expect("kill");
        wait_exit(&mut self.child, Duration::from_secs(20));
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_exit(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "no exit within {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `planhost shell DIR` on a pseudo-terminal. (`exec`: the shell itself
/// is in the terminal's foreground, as it is when typed, and no `sh` in
/// between takes the SIGINT.)
fn shell_prompt(dir: &Path) -> Terminal {
    Terminal::run(&format!("exec {} shell {}", planhost_bin().display(), dir.display()))
}

/// A file of `count` commands, each adding one to `n` and printing it.
fn counting_commands(dir: &TempDir, count: usize) -> std::path::PathBuf {
    let path = dir.path().join("commands.lua");
    std::fs::write(&path, "n = (n or 0) + 1 print(n)\n".repeat(count)).unwrap();
    path
}

#[test]
fn a_closed_output_stops_the_commands() {
    let server = Server::start(&[]);
    let input = TempDir::new("commands");
    let commands = counting_commands(&input, 1000);
    // Its reader gone before it starts: the first answer cannot be shown.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let status = Command::new(planhost_bin())
        .arg("shell")
        .arg(server.plan_dir.path())
        .stdin(std::fs::File::open(&commands).unwrap())
        .stdout(writer)
        .stderr(Stdio::inherit())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(141), "as `lua` killed by SIGPIPE: {status}");
    assert_eq!(server.console("n")["output"], "1\n", "no command after the first");

    // As typed: it stops soon after `head` has gone (at its next answer).
    server.console("n = 0");
    let output = Command::new("bash")
        .args(["-c", r#""$0" shell "$1" < "$2" | head -1; echo "status ${PIPESTATUS[0]}""#])
        .arg(planhost_bin())
        .arg(server.plan_dir.path())
        .arg(&commands)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "1\nstatus 141\n");
    let ran: usize = server.console("n")["output"].as_str().unwrap().trim().parse().unwrap();
    assert!(ran < 1000, "{ran} commands ran");
}

#[test]
fn an_open_prompt_follows_a_restarted_server() {
    let plan = TempDir::new("restart");
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let same_port = format!("127.0.0.1:{port}");
    let first = Serve::start(plan.path(), &same_port);
    let mut prompt = shell_prompt(plan.path());
    prompt.type_line("x = 41", "> ");
    prompt.type_line("x + 1", "\n42\n");
    prompt.type_line("for i = 1, 2 do", ">> ");

    // Restarted on the same port: a new token, refused with 401.
    first.stop(rustix::process::Signal::TERM);
    let second = Serve::start(plan.path(), &same_port);
    prompt.type_line("print(i * 10)", "reconnected to the server at");
    prompt.type_line("end", "\n10\n20\n");
    prompt.type_line("print(x)", "\nnil\n");

    // Killed (its record stays) and started on another port: refused.
    second.stop(rustix::process::Signal::KILL);
    let third = Serve::start(plan.path(), "127.0.0.1:0");
    assert_ne!(third.addr.port(), port);
    prompt.type_line("print('third')", "\nthird\n");
    assert_eq!(prompt.count("reconnected to the server at"), 2, "{}", prompt.text());

    // No server at all: said, and the prompt stays, the chunk pending.
    prompt.type_line("for j = 1, 2 do", ">> ");
    third.stop(rustix::process::Signal::TERM);
    prompt.type_line("print(j)", "no server recorded");
    assert!(prompt.text().ends_with(">> "), "{}", prompt.text());
    let _fourth = Serve::start(plan.path(), "127.0.0.1:0");
    prompt.type_line("print(j)", ">> ");
    prompt.type_line("end", "\n1\n2\n");
    assert_eq!(prompt.count("reconnected to the server at"), 3, "{}", prompt.text());
    let status = prompt.quit();
    assert!(status.success(), "{status}");
}

/// The next connection to `listener`, failing after 20 s.
fn accept(listener: &TcpListener) -> TcpStream {
    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).unwrap();
                stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                return stream;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(Instant::now() < deadline, "the shell did not connect");
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("accept: {e}"),
        }
    }
}

/// Reads one HTTP request's head and body (by Content-Length).
fn read_request(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    let mut byte = [0u8; 1];
    while !bytes.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).expect("request head");
        bytes.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).expect("request body");
    String::from_utf8_lossy(&body).into_owned()
}

#[test]
fn ctrl_c_stops_waiting_for_an_answer() {
    // A "server" that never answers the first chunk and answers the second.
    let plan = TempDir::new("silent");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    std::fs::create_dir(plan.path().join(".planhost")).unwrap();
    let state = plan.path().join(".planhost");
    std::fs::write(state.join("addr"), listener.local_addr().unwrap().to_string()).unwrap();
    std::fs::write(state.join("token"), "t").unwrap();

    let mut prompt = shell_prompt(plan.path());
    prompt.press(b"print('slow')\n");
    let mut silent = accept(&listener);
    assert_eq!(read_request(&mut silent), "print('slow')");
    prompt.press(&[3]);
    prompt.wait_for("the command may still finish on the server", 1);
    prompt.wait_for("> ", 2);

    prompt.press(b"print('quick')\n");
    let mut answering = accept(&listener);
    assert_eq!(read_request(&mut answering), "print('quick')");
    let body = r#"{"status":"ok","output":"quick\n"}"#;
    let response = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    answering.write_all(response.as_bytes()).unwrap();
    prompt.wait_for("\nquick\n", 1);
    prompt.wait_for("> ", 3);
    // The Ctrl-C while waiting was not taken for one at this prompt.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(prompt.count("Ctrl-C again"), 0, "{}", prompt.text());

    // At an empty prompt, as before: twice ends the shell.
    prompt.press(&[3]);
    prompt.wait_for("(Ctrl-C again or Ctrl-D to quit)", 1);
    prompt.wait_for("> ", 4);
    prompt.press(&[3]);
    let status = prompt.wait_exit(Duration::from_secs(20));
    assert!(status.success(), "{status}:\n{}", prompt.text());
    drop(silent);
}

#[test]
fn ctrl_d_at_the_servers_prompt_warns_once_of_changes_not_saved() {
    let dir = TempDir::new("serve-prompt");
    // The plan says when it holds changes its files do not.
    let plan = "n = 0 planhost.view('n', function() return {n = n} end) \
                planhost.unsaved = function() return n ~= 0 end";
    std::fs::write(dir.path().join("plan.lua"), plan).unwrap();
    let serve = format!(
        "exec {} serve {} --addr 127.0.0.1:0",
        planhost_bin().display(),
        dir.path().display()
    );
    // Nothing changed: Ctrl-D stops the server.
    let mut prompt = Terminal::run(&serve);
    prompt.type_line("print('seen', n)", "seen\t0");
    assert!(prompt.quit().success());

    // A change: said once, and the server goes on.
    let mut prompt = Terminal::run(&serve);
    prompt.type_line("n = 5 print('set')", "set");
    let prompts = prompt.count("> ");
    prompt.press(&[4]);
    prompt.wait_for(
        "planhost: the plan was changed at the console since it was loaded (1 command ran)",
        1,
    );
    prompt.wait_for("> ", prompts + 1);
    prompt.type_line("print('still', n)", "still\t5");
    assert!(prompt.quit().success());
}
