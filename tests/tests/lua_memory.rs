//! The Lua memory budget against scripts that build huge values in a few
//! calls, on a real server: each fails at once with the memory error
//! instead of taking gigabytes first, the server's resident memory stays
//! near the budget (its peak, `VmHWM`), a spike is handed back to the
//! system afterwards, and the state stays usable. Also the cap on what one
//! command prints.

use std::time::{Duration, Instant};

use planhost_tests::Server;

/// A `VmHWM:` or `VmRSS:` line of /proc/PID/status, in bytes.
fn status_bytes(pid: i32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let line = status.lines().find(|line| line.starts_with(field)).expect("status field");
    let kib: u64 = line[field.len()..].trim().trim_end_matches("kB").trim().parse().expect("kB");
    kib << 10
}

fn peak(server: &Server) -> u64 {
    status_bytes(server.pid(), "VmHWM:")
}

fn resident(server: &Server) -> u64 {
    status_bytes(server.pid(), "VmRSS:")
}

const MIB: u64 = 1 << 20;

/// Runs `chunk` on a server with `limit_mib` of Lua memory: it must fail
/// with the memory error (not the time budget's), the server's peak
/// resident memory must stay under the limit plus 256 MiB, and a later
/// command must work.
fn refused_on(server: &Server, limit_mib: u64, chunk: &str) {
    let answer = server.console(chunk);
    assert_eq!(answer["status"], "error", "{chunk}: {answer}");
    assert_eq!(
        answer["error"].as_str().unwrap_or_default(),
        format!("memory limit exceeded ({limit_mib} MiB)"),
        "{chunk}"
    );
    let peak = peak(server);
    assert!(peak < (limit_mib + 256) * MIB, "{chunk}: peak resident {} MiB", peak / MIB);
    assert_eq!(server.console("1 + 1")["output"], "2\n", "{chunk}: the state stays usable");
}

#[test]
fn a_huge_string_rep_fails_before_allocating() {
    let server = Server::start(&["--lua-memory", "64"]);
    refused_on(&server, 64, r#"x = string.rep("x", 2^31-1)"#);
    refused_on(&server, 64, "x = ('ab'):rep(2^29, ',')");
    // Caught, it is an ordinary error; nothing was allocated.
    let answer = server.console("print(pcall(string.rep, 'x', 2^30))");
    assert_eq!(answer["output"], "false\tmemory limit exceeded (64 MiB)\n", "{answer}");
    assert!(peak(&server) < 128 * MIB, "peak {} MiB", peak(&server) / MIB);
}

#[test]
fn a_gsub_with_a_large_replacement_stops_at_the_budget() {
    let server = Server::start(&["--lua-memory", "64"]);
    let big = r#"local big = string.rep("y", 1000000) "#;
    refused_on(&server, 64, &format!("{big} local r = ('x'):rep(4000):gsub('x', big) print(#r)"));
    refused_on(&server, 64, &format!("{big} local r = ('x'):rep(20000):gsub('x', big) print(#r)"));
    refused_on(&server, 64, &format!("{big} local r = ('x'):rep(4000):gsub('x', {{x = big}})"));
    let by_function =
        format!("{big} local r = ('x'):rep(4000):gsub('x', function() return big end)");
    refused_on(&server, 64, &by_function);
    // Many small replacements past the budget: an error `pcall` catches
    // (the result once grew a few bytes at a time past the budget, and the
    // heap's check between slices ended the command).
    let caught = "print(pcall(string.gsub, ('x'):rep(1024 * 1024), 'x', ('y'):rep(100))) \
                  print('after')";
    let answer = server.console(caught);
    assert_eq!(answer["output"], "false\tmemory limit exceeded (64 MiB)\nafter\n", "{answer}");
    // Within the budget it works.
    let answer = server.console(&format!("{big} local r = ('x'):rep(20):gsub('x', big) print(#r)"));
    assert_eq!(answer["output"], "20000000\n", "{answer}");
}

#[test]
fn other_large_results_fail_before_allocating() {
    let server = Server::start(&["--lua-memory", "64"]);
    let s = "local s = ('x'):rep(1e6) local t = {} for i = 1, 200 do t[i] = s end ";
    refused_on(&server, 64, &format!("{s} x = table.concat(t)"));
    refused_on(&server, 64, &format!("{s} x = string.format(('%s'):rep(200), table.unpack(t))"));
    refused_on(&server, 64, "local s = ('x'):rep(30e6) x = s:upper() .. s:lower()");
    // string.pack of many large items: it built the whole result first
    // (1.5 GiB resident for this 1 GB one) and failed only between slices.
    let s = "local s = ('x'):rep(1e6) local t = {} for i = 1, 1000 do t[i] = s end ";
    for items in ["z", "s4", "c1000000"] {
        let pack = format!("{s} x = string.pack(('{items}'):rep(1000), table.unpack(t))");
        refused_on(&server, 64, &pack);
    }
    // Within the budget it packs as before.
    let answer =
        server.console(&format!("{s} print(#string.pack(('s4'):rep(20), table.unpack(t)))"));
    assert_eq!(answer["output"], "20000080\n", "{answer}");
}

#[test]
fn a_doubling_concatenation_stops_at_the_default_budget_and_its_memory_goes_back() {
    let server = Server::start(&[]);
    refused_on(&server, 512, "local s = 'x' while true do s = s .. s end");
    // The strings were freed; the Lua thread's next idle collection hands
    // their pages back to the system.
    let deadline = Instant::now() + Duration::from_secs(10);
    while resident(&server) > 256 * MIB {
        assert!(Instant::now() < deadline, "still {} MiB resident", resident(&server) / MIB);
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_file_read_larger_than_the_budget_fails_before_it_is_read() {
    let server = Server::start(&["--lua-memory", "64"]);
    // A 3 GiB file (sparse: no disk taken), all zero bytes, no newline.
    let huge = std::fs::File::create(server.plan_dir.path().join("huge.bin")).unwrap();
    huge.set_len(3 << 30).unwrap();
    std::fs::write(server.plan_dir.path().join("small.bin"), vec![b'a'; 4 << 20]).unwrap();
    // Whole, by count, or as one line (which no size foretells: it stops
    // at the budget, having held no more than it: a line is kept in
    // pieces, not in a buffer doubled on its way, which peaked at about
    // twice the budget).
    let before = peak(&server);
    for format in ["'a'", "2^31", "'l'", "'L'", "1, 'a'"] {
        refused_on(&server, 64, &format!("x = io.open('huge.bin', 'rb'):read({format})"));
    }
    let grown = peak(&server).saturating_sub(before) / MIB;
    assert!(grown < 64 + 32, "reading lines to the budget grew the peak by {grown} MiB");
    refused_on(&server, 64, "for line in io.lines('huge.bin') do end");
    // Caught, the file is still open where it was.
    let answer = server.console(
        "local f = io.open('huge.bin', 'rb') print(pcall(f.read, f, 'a')) print(f:seek())",
    );
    assert_eq!(answer["output"], "false\tmemory limit exceeded (64 MiB)\n0\n", "{answer}");
    // What fits is read as before, a count larger than the budget included.
    let answer = server.console(
        "local f = io.open('small.bin', 'rb') print(#f:read(2^31), f:read(1)) \
         print(#io.open('small.bin'):read('a'), #io.lines('small.bin')())",
    );
    assert_eq!(answer["output"], "4194304\tnil\n4194304\t4194304\n", "{answer}");
}

#[test]
fn what_one_command_prints_is_capped() {
    let server = Server::start(&["--lua-memory", "64"]);
    let chunk = r#"local s = string.rep("z", 1e6) for i = 1, 1000 do print(s) end done = true"#;
    let answer = server.console(chunk);
    assert_eq!(answer["status"], "ok", "the command goes on: {}", answer["error"]);
    let output = answer["output"].as_str().unwrap();
    let note = "[output cut: more than 16 MiB printed]\n";
    assert!(output.ends_with(&format!("\n{note}")), "{}", &output[output.len() - 100..]);
    assert_eq!(output.len(), (16 << 20) + 1 + note.len());
    assert_eq!(output.matches("output cut").count(), 1);
    let peak = peak(&server);
    assert!(peak < (64 + 256) * MIB, "peak resident {} MiB", peak / MIB);
    // The command ran to its end; the next one prints in full.
    assert_eq!(server.console("done")["output"], "true\n");
    let answer = server.console("print(('w'):rep(1e6))");
    assert_eq!(answer["output"].as_str().unwrap().len(), 1_000_001);
}

#[test]
fn error_objects_are_reported_as_lua_reports_them() {
    let server = Server::start(&[]);
    let cases = [
        ("error(setmetatable({}, {__tostring=function() return 'custom!' end}))", "custom!"),
        ("error({})", "(error object is a table value)"),
        ("error(nil)", "(error object is a nil value)"),
    ];
    for (chunk, expected) in cases {
        let answer = server.console(chunk);
        assert_eq!(answer["status"], "error", "{chunk}: {answer}");
        assert_eq!(answer["error"], expected, "{chunk}");
    }
}
