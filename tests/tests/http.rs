//! HTTP behaviour of a real `planhost serve`: static files, caching,
//! traversal attempts, malformed and oversized requests, timeouts, publish.

use std::io::{Read, Write};
use std::time::Duration;

use planhost_tests::{Response, Server, TempDir};

#[test]
fn serves_embedded_client_with_type_and_etag() {
    let server = Server::start(&[]);
    let index = server.get("/");
    assert_eq!(index.status, 200);
    assert_eq!(index.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(
        index.text().contains("<html") || index.text().contains("<!doctype"),
        "{}",
        index.text()
    );
    let etag = index.header("etag").expect("etag").to_owned();

    let again = server.request("GET", "/", &[("If-None-Match", &etag)], b"");
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));

    let other = server.request("GET", "/", &[("If-None-Match", "\"not-it\"")], b"");
    assert_eq!(other.status, 200);

    let script = server.get("/app.js");
    assert_eq!(script.status, 200);
    assert_eq!(script.header("content-type"), Some("text/javascript; charset=utf-8"));
    let style = server.get("/style.css");
    assert_eq!(style.header("content-type"), Some("text/css; charset=utf-8"));

    let head = server.request("HEAD", "/", &[], b"");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());

    assert_eq!(server.get("/missing.html").status, 404);
}

#[test]
fn healthz_answers() {
    let server = Server::start(&[]);
    let health = server.get("/healthz");
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let server = Server::start(&[]);
    let mut stream = server.connect();
    let host = server.addr;
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n");
    for _ in 0..3 {
        stream.write_all(request.as_bytes()).unwrap();
        let response = planhost_tests::Response::read_from(&mut stream).expect("a response");
        assert_eq!(response.status, 200);
        assert_eq!(response.json()["status"], "ok");
    }
}

/// Four requests sent back to back: a GET, a publish with a body of known
/// length, a chunked publish with an extension and trailers, and a GET
/// that closes.
fn pipelined_requests(server: &Server) -> Vec<u8> {
    let (host, auth) = (server.addr, format!("Bearer {}", server.token));
    let body = "p".repeat(20_000);
    format!(
        "GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n\
         POST /api/publish/fixed HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n\
         Content-Length: {}\r\n\r\n{body}\
         POST /api/publish/chunked HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n\
         Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;note=\"a;b\"\r\n world\r\n0\r\nX-Checked: yes\r\n\r\n\
         GET /api/topics HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes()
}

/// Reads until the server closes `stream`; returns the responses it sent
/// (each with a Content-Length body).
fn responses_until_closed(stream: &mut std::net::TcpStream) -> Vec<planhost_tests::Response> {
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).expect("the server closes the connection");
    responses_in(&bytes)
}

/// The responses in `bytes`, one after another.
fn responses_in(bytes: &[u8]) -> Vec<planhost_tests::Response> {
    let mut responses = Vec::new();
    let mut rest = bytes;
    while let Some(response) = planhost_tests::Response::parse(rest) {
        let head = rest.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        rest = &rest[head + response.body.len()..];
        responses.push(response);
    }
    responses
}

#[test]
fn pipelined_requests_are_all_answered_in_order() {
    let server = Server::start(&[]);
    let requests = pipelined_requests(&server);
    // In one write, then in small pieces that split heads, bodies, chunk
    // sizes and trailers across reads.
    for piece in [requests.len(), 13] {
        let mut stream = server.connect();
        stream.set_nodelay(true).unwrap();
        for (n, bytes) in requests.chunks(piece).enumerate() {
            stream.write_all(bytes).unwrap();
            if n % 20 == 19 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        let responses = responses_until_closed(&mut stream);
        let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
        assert_eq!(statuses, [200, 200, 200, 200], "pieces of {piece} bytes");
        assert_eq!(responses[0].json()["status"], "ok");
        assert_eq!(responses[1].json()["topic"], "fixed");
        assert_eq!(responses[2].json()["topic"], "chunked");
        let listed = responses[3].json();
        let rev_of = |topic: &str| {
            listed
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["topic"] == topic)
                .map(|t| t["rev"].clone())
        };
        assert_eq!(rev_of("fixed"), Some(responses[1].json()["rev"].clone()));
        assert_eq!(rev_of("chunked"), Some(responses[2].json()["rev"].clone()));
    }
    // The bodies arrived whole: subscribers get them as sent.
    smol::block_on(async {
        let mut ws = server.ws().await;
        planhost_tests::subscribe(&mut ws, "chunked", None).await;
        assert_eq!(planhost_tests::next_json(&mut ws).await["data"], "hello world");
        planhost_tests::subscribe(&mut ws, "fixed", None).await;
        assert_eq!(planhost_tests::next_json(&mut ws).await["data"], "p".repeat(20_000));
    });
}

#[test]
fn a_head_whose_lines_end_in_lf_alone_is_answered() {
    // As `printf 'GET /healthz HTTP/1.1\nHost: x\n\n' | nc` sends it.
    let server = Server::start(&[]);
    let mut stream = server.connect();
    let requests = "GET /healthz HTTP/1.1\nHost: x\n\nGET /api/topics HTTP/1.1\r\nHost: x\n\
                    Connection: close\r\n\n";
    stream.write_all(requests.as_bytes()).unwrap();
    let responses = responses_until_closed(&mut stream);
    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200]);
    assert_eq!(responses[0].json()["status"], "ok");
    assert!(responses[1].json().is_array(), "{}", responses[1].text());
}

#[test]
fn chunked_bodies_with_endless_extensions_or_trailers_are_refused() {
    let server = Server::start(&[]);
    let (host, auth) = (server.addr, format!("Bearer {}", server.token));
    let head = format!(
        "POST /api/publish/endless HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    );
    let long = "x".repeat(20_000);
    for body in
        [format!("5;{long}\r\nhello\r\n0\r\n\r\n"), format!("5\r\nhello\r\n0\r\nX: {long}\r\n\r\n")]
    {
        let mut stream = server.connect();
        // The server may answer before it has read it all.
        let _ = stream.write_all(format!("{head}{body}").as_bytes());
        let responses = responses_until_closed(&mut stream);
        let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
        assert_eq!(statuses, [400], "{}", &body[..20]);
    }
    assert_eq!(published_topics(&server), Vec::<String>::new());
    assert_eq!(server.get("/healthz").status, 200);
}

const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// The names of the server process's threads.
fn thread_names(server: &Server) -> Vec<String> {
    let tasks = std::fs::read_dir(format!("/proc/{}/task", server.pid())).expect("/proc");
    let comm = |task: std::fs::DirEntry| std::fs::read_to_string(task.path().join("comm"));
    tasks.filter_map(|task| comm(task.ok()?).ok()).map(|name| name.trim().to_owned()).collect()
}

#[test]
fn expect_100_continue_gets_the_go_ahead_only_when_the_body_is_wanted() {
    let server = Server::start(&["--max-body", "1024"]);
    let (host, auth) = (server.addr, format!("Bearer {}", server.token));
    let head = |auth: &str, length: usize| {
        format!(
            "POST /api/publish/asked HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n\
             Expect: 100-continue\r\nContent-Length: {length}\r\n\r\n"
        )
    };
    // The client waits for the go-ahead, then sends its body.
    let mut stream = server.connect();
    stream.write_all(head(&auth, 5).as_bytes()).unwrap();
    let mut interim = [0u8; CONTINUE.len()];
    stream.read_exact(&mut interim).unwrap();
    assert_eq!(interim, CONTINUE);
    stream.write_all(b"hello").unwrap();
    let published = planhost_tests::Response::read_from(&mut stream).expect("the answer");
    assert_eq!(published.status, 200, "{}", published.text());
    // Refused without reading the body: no go-ahead, and the connection
    // ends after the answer (a body may still come).
    for (auth, length, status) in [("Bearer wrong", 5, 401), (auth.as_str(), 5000, 413)] {
        let mut stream = server.connect();
        stream.write_all(head(auth, length).as_bytes()).unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).expect("the server closes the connection");
        let answer = planhost_tests::Response::parse(&answer).expect("an answer");
        assert_eq!(answer.status, status, "{}", answer.text());
    }
    // A client that sends the body without waiting, and a request behind
    // it: the go-ahead, then both answers, in order.
    let mut stream = server.connect();
    let next = format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(format!("{}hello{next}", head(&auth, 5)).as_bytes()).unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    assert!(bytes.starts_with(CONTINUE), "{}", String::from_utf8_lossy(&bytes));
    let answers = responses_in(&bytes[CONTINUE.len()..]);
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[0].json()["topic"], "asked");
    assert_eq!(answers[1].json()["status"], "ok");
    // All of it on the server's own threads.
    let names = thread_names(&server);
    assert!(!names.iter().any(|n| n.starts_with("async-global")), "{names:?}");
}

#[test]
fn a_bad_request_in_a_pipeline_ends_it_after_the_good_ones() {
    let server = Server::start(&[]);
    let host = server.addr;
    let requests = format!(
        "GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\nNOT HTTP AT ALL\r\n\r\n\
         GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n"
    );
    let mut stream = server.connect();
    stream.write_all(requests.as_bytes()).unwrap();
    let responses = responses_until_closed(&mut stream);
    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 400], "and nothing after the 400");
}

#[test]
fn requests_whose_body_has_no_clear_end_are_refused_and_publish_nothing() {
    let server = Server::start(&[]);
    let (host, auth) = (server.addr, format!("Bearer {}", server.token));
    let publish =
        format!("POST /api/publish/smuggled HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n");
    let next = format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n");
    let cases = [
        ("Content-Length: 3\r\nContent-Length: 40\r\n", "abc", 400),
        ("Transfer-Encoding: gzip, chunked\r\n", "3\r\nabc\r\n0\r\n\r\n", 501),
        ("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n", 501),
    ];
    for (headers, body, status) in cases {
        let mut stream = server.connect();
        stream.write_all(format!("{publish}{headers}\r\n{body}{next}").as_bytes()).unwrap();
        let responses = responses_until_closed(&mut stream);
        let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
        assert_eq!(statuses, [status], "{headers}: answered, then the connection ends");
    }
    assert_eq!(published_topics(&server), Vec::<String>::new());
    // The same length twice is one length.
    let twice =
        format!("{publish}Content-Length: 3\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
    assert_eq!(server.raw(twice.as_bytes()).status, 200);
}

/// A web directory holding `index.html`, next to a secret that must never be served.
fn web_fixture() -> (TempDir, std::path::PathBuf) {
    let base = TempDir::new("web");
    let web = base.path().join("web");
    std::fs::create_dir_all(web.join("sub")).unwrap();
    std::fs::write(web.join("index.html"), "<!doctype html><p>disk index</p>").unwrap();
    std::fs::write(web.join("sub/page.html"), "<p>sub page</p>").unwrap();
    std::fs::write(base.path().join("secret.txt"), "TOP-SECRET").unwrap();
    std::os::unix::fs::symlink(base.path(), web.join("escape")).unwrap();
    std::os::unix::fs::symlink(base.path().join("secret.txt"), web.join("secret-link.txt"))
        .unwrap();
    std::os::unix::fs::symlink(web.join("sub/page.html"), web.join("inside-link.html")).unwrap();
    (base, web)
}

#[test]
fn web_dir_is_served_from_disk() {
    let (_base, web) = web_fixture();
    let server = Server::start(&["--web", web.to_str().unwrap()]);
    assert!(server.get("/").text().contains("disk index"));
    assert!(server.get("/sub/page.html").text().contains("sub page"));
    // A symlink that stays inside the web directory is fine.
    assert!(server.get("/inside-link.html").text().contains("sub page"));
    // Edits show up without a restart, with a new ETag.
    let before = server.get("/").header("etag").unwrap().to_owned();
    std::fs::write(web.join("index.html"), "<p>edited</p>").unwrap();
    let after = server.get("/");
    assert!(after.text().contains("edited"));
    assert_ne!(after.header("etag").unwrap(), before);
}

#[test]
fn traversal_attempts_get_404_and_no_byte_from_outside() {
    let (base, web) = web_fixture();
    let server = Server::start(&["--web", web.to_str().unwrap()]);
    let secret_abs = base.path().join("secret.txt");
    let attempts = [
        "/../secret.txt".to_owned(),
        "/../../../../etc/passwd".to_owned(),
        "/%2e%2e/secret.txt".to_owned(),
        "/%2E%2E/secret.txt".to_owned(),
        "/%2e%2e%2fsecret.txt".to_owned(),
        "/..%2fsecret.txt".to_owned(),
        "/sub/..%2f..%2fsecret.txt".to_owned(),
        "/sub/%2e%2e/%2e%2e/secret.txt".to_owned(),
        "/..\\secret.txt".to_owned(),
        "/%5c..%5csecret.txt".to_owned(),
        "/sub\\..\\..\\secret.txt".to_owned(),
        format!("/{}", secret_abs.display()),
        format!("/%2f{}", secret_abs.display().to_string().trim_start_matches('/')),
        format!("//{}", secret_abs.display().to_string().trim_start_matches('/')),
        "/index.html%00.txt".to_owned(),
        "/%00/secret.txt".to_owned(),
        "/escape/secret.txt".to_owned(),
        "/secret-link.txt".to_owned(),
        "/.%2e/secret.txt".to_owned(),
        "/%252e%252e/secret.txt".to_owned(),
    ];
    for path in &attempts {
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", server.addr);
        let response = server.raw(request.as_bytes());
        assert!(
            response.status == 404 || response.status == 400,
            "{path}: status {}",
            response.status
        );
        assert!(!response.text().contains("TOP-SECRET"), "{path} leaked the secret");
        assert!(!response.text().contains("root:"), "{path} leaked /etc/passwd");
    }
    // The absolute-form request target must not escape either.
    let response = server.raw(
        format!(
            "GET http://{}/../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            server.addr
        )
        .as_bytes(),
    );
    assert!(!response.text().contains("TOP-SECRET"));
}

#[test]
fn traversal_attempts_on_embedded_files_get_404() {
    let server = Server::start(&[]);
    for path in [
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/..%2fhost%2fCargo.toml",
        "/.gitignore",
        "/%2fetc%2fpasswd",
    ] {
        let request = format!("GET {path} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        let response = server.raw(request.as_bytes());
        assert_eq!(response.status, 404, "{path}");
        assert!(!response.text().contains("[package]"), "{path}");
    }
}

#[test]
fn malformed_requests_get_400() {
    let server = Server::start(&[]);
    let cases: [&[u8]; 8] = [
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
        b"POST /api/publish/t HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc",
        b"GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: \xff\xfe\r\n\r\n",
        b"POST /api/publish/t HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"GET relative HTTP/1.1\r\nHost: x\r\n\r\n",
    ];
    for raw in cases {
        let response = server.raw(raw);
        assert_eq!(response.status, 400, "{:?}", String::from_utf8_lossy(raw));
    }
    // A tab in the path: the answer says what is wrong.
    let tab = server.raw(b"GET /a\tb HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(tab.status, 400);
    assert!(tab.text().contains("must be percent-encoded"), "{}", tab.text());
    let old = server.raw(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n");
    assert_eq!(old.status, 505);
    // Methods are case-sensitive: `get` is not GET.
    let lower = server.raw(b"get /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(lower.status, 501);
    assert!(lower.text().contains("case-sensitive"), "{}", lower.text());
    // The server is still fine.
    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn oversized_headers_get_431() {
    let server = Server::start(&[]);
    let big = format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(16 << 10));
    assert_eq!(server.raw(big.as_bytes()).status, 431);
    let mut many = String::from("GET / HTTP/1.1\r\nHost: x\r\n");
    for i in 0..200 {
        many.push_str(&format!("X-{i}: v\r\n"));
    }
    many.push_str("\r\n");
    assert_eq!(server.raw(many.as_bytes()).status, 431);
}

#[test]
fn oversized_bodies_get_413_and_publish_nothing() {
    let server = Server::start(&["--max-body", "1024"]);
    let auth = format!("Bearer {}", server.token);
    let declared = format!(
        "POST /api/publish/big HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Length: 100000000\r\n\r\n"
    );
    assert_eq!(server.raw(declared.as_bytes()).status, 413);
    let chunk = "x".repeat(600);
    let chunked = format!(
        "POST /api/publish/big HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n{chunk}\r\n258\r\n{chunk}\r\n0\r\n\r\n"
    );
    assert_eq!(server.raw(chunked.as_bytes()).status, 413);
    // A chunk declared larger than the limit is refused at once, before its
    // bytes come (they never do here: waiting would end in a 400).
    let declared_chunk = format!(
        "POST /api/publish/big HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\nxyz"
    );
    assert_eq!(server.raw(declared_chunk.as_bytes()).status, 413);
    // Also when small chunks add up past it.
    let small_chunks = format!(
        "POST /api/publish/big HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nTransfer-Encoding: chunked\r\n\r\n200\r\n{a}\r\n200\r\n{a}\r\n1\r\n",
        a = "a".repeat(512)
    );
    assert_eq!(server.raw(small_chunks.as_bytes()).status, 413);
    assert_eq!(published_topics(&server), Vec::<String>::new());
    // Within the limit it works.
    assert_eq!(server.publish("big", &"y".repeat(1000))["subscribers"], 0);
}

#[test]
fn slow_header_client_is_timed_out() {
    let server = Server::start(&["--header-timeout", "300ms"]);
    let mut stream = server.connect();
    stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    // Never finish the head: the server must close the connection on its own
    // (the 10 s read timeout of the test client would fail the read instead).
    let mut buf = Vec::new();
    let read = stream.read_to_end(&mut buf);
    assert!(read.is_ok(), "connection was not closed by the server: {read:?}");
    // An idle keep-alive connection is closed the same way.
    let mut idle = server.connect();
    let read = idle.read_to_end(&mut buf);
    assert!(read.is_ok(), "idle connection was not closed: {read:?}");
    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn publish_requires_the_token() {
    let server = Server::start(&[]);
    let cases = [
        vec![],
        vec![("Authorization", "Bearer wrong".to_owned())],
        vec![("Authorization", format!("Basic {}", server.token))],
        vec![("Authorization", format!("Bearer {}x", server.token))],
        vec![("Authorization", format!("Bearer {}", &server.token[..63]))],
    ];
    for headers in cases {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = server.request("POST", "/api/publish/secret", &headers, b"data");
        assert_eq!(response.status, 401, "{headers:?}");
        assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    }
    assert_eq!(published_topics(&server), Vec::<String>::new(), "nothing was published");

    // The scheme's name is case-insensitive.
    let lower = format!("bearer {}", server.token);
    let response = server.request("POST", "/api/publish/any", &[("Authorization", &lower)], b"x");
    assert_eq!(response.status, 200);

    let published = server.publish("plans/q3", "hello");
    assert_eq!(published["topic"], "plans/q3");
    assert!(published["rev"].as_u64().unwrap() > 0);
    let topics = server.get("/api/topics").json();
    let listed = topics.as_array().unwrap().iter().find(|t| t["topic"] == "plans/q3").unwrap();
    assert_eq!(listed["rev"], published["rev"]);
}

#[test]
fn publish_rejects_bad_input() {
    let server = Server::start(&[]);
    let auth = format!("Bearer {}", server.token);
    let headers = [("Authorization", auth.as_str())];
    assert_eq!(server.request("POST", "/api/publish/t", &headers, b"\xff\xfe").status, 400);
    assert_eq!(server.request("POST", "/api/publish/a%00b", &headers, b"x").status, 400);
    assert_eq!(server.request("POST", "/api/publish/", &headers, b"x").status, 400);
    let long = format!("/api/publish/{}", "t".repeat(300));
    assert_eq!(server.request("POST", &long, &headers, b"x").status, 400);
    assert_eq!(
        server.request("POST", "/api/publish/t?delivery=sometimes", &headers, b"x").status,
        400
    );
    assert_eq!(server.get("/api/publish/t").status, 405);
    assert_eq!(server.request("DELETE", "/", &[], b"").status, 405);
    // Allow names every method the path answers.
    for (path, allow) in [("/healthz", "GET, HEAD"), ("/api/views", "GET, HEAD"), ("/ws", "GET")] {
        let refused = server.request("DELETE", path, &[], b"");
        assert_eq!((refused.status, refused.header("allow")), (405, Some(allow)), "{path}");
        if allow.contains("HEAD") {
            assert_eq!(server.request("HEAD", path, &[], b"").status, 200, "{path}");
        }
    }
    assert_eq!(server.get("/api/nothing").status, 404);
    assert_eq!(published_topics(&server), Vec::<String>::new());
}

#[test]
fn paths_the_url_parser_would_resolve_publish_nothing() {
    let server = Server::start(&[]);
    let auth = format!("Bearer {}", server.token);
    for path in [
        "/api/publish/a/../notes",
        "/api/publish/a/./notes",
        "/api/publish/a/%2e%2E/notes",
        "/api/publish/a/.%2e/notes",
        "/api/publish/a\\notes",
        "/api/publish/x/..",
        "/api/x/../publish/notes",
    ] {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: h\r\nAuthorization: {auth}\r\n\
             Content-Length: 4\r\nConnection: close\r\n\r\nlost"
        );
        let response = server.raw(request.as_bytes());
        assert_eq!(response.status, 404, "{path}");
        assert!(response.text().contains("`..` segments"), "{path}: {}", response.text());
    }
    assert_eq!(published_topics(&server), Vec::<String>::new(), "nothing was published");
    // Dot segments in the query are the query's business.
    assert_eq!(server.get("/healthz?next=http://h/a/../b&up=..").status, 200);
    // Dots inside a segment, or a slash encoded within one, name a topic.
    for (path, topic) in
        [("/api/publish/v1.2/...", "v1.2/..."), ("/api/publish/a%2F..%2Fb", "a/../b")]
    {
        let response = server.request("POST", path, &[("Authorization", &auth)], b"kept");
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.json()["topic"], topic);
    }
    // The request line of each request on a kept-alive connection is the
    // one looked at, also when it arrives a byte at a time.
    let mut stream = server.connect();
    let pipelined = format!(
        "GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n\
         POST /api/publish/b/../c HTTP/1.1\r\nHost: h\r\nAuthorization: {auth}\r\nContent-Length: 1\r\n\r\nx\
         GET /view/../healthz HTTP/1.1\r\nHost: h\r\n\r\n\
         GET /healthz HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
    );
    for byte in pipelined.as_bytes() {
        stream.write_all(std::slice::from_ref(byte)).unwrap();
    }
    let mut answers = String::new();
    stream.read_to_string(&mut answers).unwrap();
    let statuses: Vec<&str> =
        answers.split("HTTP/1.1 ").skip(1).map(|answer| &answer[..3]).collect();
    assert_eq!(statuses, ["200", "404", "404", "200"], "{answers}");
    let absolute = format!(
        "GET http://{}/a/../healthz HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
        server.addr
    );
    assert_eq!(server.raw(absolute.as_bytes()).status, 404);
    // Nor through a backslash right after the host of an absolute target,
    // or a Host field holding a path (the URL is built from both).
    for (target, host) in [
        ("http://x\\api\\publish\\a\\..\\zz", "x"),
        ("/zz", "x/api/publish/a/.."),
        ("/api/publish/zz", "x?y"),
    ] {
        let request = format!(
            "POST {target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n\
             Content-Length: 4\r\nConnection: close\r\n\r\nlost"
        );
        let status = server.raw(request.as_bytes()).status;
        assert!(status == 404 || status == 400, "{target} with Host {host}: {status}");
    }
    let mut topics = published_topics(&server);
    topics.sort();
    assert_eq!(topics, ["a/../b", "v1.2/..."]);
}

#[test]
fn token_changes_each_start_and_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let first = Server::start(&[]);
    let path = first.plan_dir.path().join(".planhost/token");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let first_token = first.token.clone();
    let plan_dir = planhost_tests::TempDir::new("restart");
    let second = Server::start_in(plan_dir, &[]);
    assert_ne!(second.token, first_token);
    let again = second.request(
        "POST",
        "/api/publish/x",
        &[("Authorization", &format!("Bearer {first_token}"))],
        b"x",
    );
    assert_eq!(again.status, 401, "a token of another start must not work");
    let addr = std::fs::read_to_string(second.plan_dir.path().join(".planhost/addr")).unwrap();
    assert_eq!(addr.trim(), second.addr.to_string());
    let _ = Duration::ZERO;
}

/// The topics `GET /api/topics` lists, except `plugins/errors`, which the
/// server publishes itself at start.
fn published_topics(server: &Server) -> Vec<String> {
    let topics = server.get("/api/topics").json();
    topics
        .as_array()
        .expect("topic list")
        .iter()
        .map(|t| t["topic"].as_str().expect("topic").to_owned())
        .filter(|t| t != "plugins/errors" && t != "plan/views")
        .collect()
}

#[test]
fn an_answer_that_ends_its_connection_says_so() {
    let server = Server::start(&[]);
    let big = "x".repeat(100 << 10);
    let small = "x".repeat(1000);
    let follower = "GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n";
    for (what, request, closes) in [
        // A body the handler leaves unread, too large to skip: the
        // connection ends after the answer, and the answer says so.
        (
            "wrong token, large body",
            format!(
                "POST /api/publish/t HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer nope\r\n\
                 Content-Length: {}\r\n\r\n{big}{follower}",
                big.len()
            ),
            true,
        ),
        (
            "large body to /healthz",
            format!(
                "POST /healthz HTTP/1.1\r\nHost: h\r\nContent-Length: {}\r\n\r\n{big}{follower}",
                big.len()
            ),
            true,
        ),
        (
            "chunked body left unread",
            format!(
                "POST /healthz HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n\
                 {:x}\r\n{big}\r\n0\r\n\r\n{follower}",
                big.len()
            ),
            true,
        ),
        // A small one is skipped: the pipelined request is answered too.
        (
            "small body to /healthz",
            format!(
                "POST /healthz HTTP/1.1\r\nHost: h\r\nContent-Length: {}\r\n\r\n{small}{follower}",
                small.len()
            ),
            false,
        ),
    ] {
        let mut stream = server.connect();
        // The server may close before reading all of it.
        let _ = stream.write_all(request.as_bytes());
        let _ = stream.shutdown(std::net::Shutdown::Write);
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        let answers = String::from_utf8_lossy(&bytes);
        let first = Response::parse(&bytes).unwrap_or_else(|| panic!("{what}: {answers}"));
        let count = answers.matches("HTTP/1.1 ").count();
        if closes {
            assert_eq!(first.header("connection"), Some("close"), "{what}: {answers}");
            assert_eq!(count, 1, "{what}: {answers}");
        } else {
            assert_ne!(first.header("connection"), Some("close"), "{what}: {answers}");
            assert_eq!(count, 2, "{what}: {answers}");
        }
    }
}

/// A plan with the one view `work`, which the built-in `table` renderer
/// draws (and `staff`, drawing only the view `staff`, does not).
const WORK_PLAN: &str = r#"
planhost.view('work', function()
  return {
    plan = {name = 'Q3', weeks = 13, cutline = 1},
    skills = {'Web'},
    items = {{id = 1, name = 'Login', rank = 1, estimates = {Web = 2}}},
  }
end)
"#;

fn work_plan_server() -> Server {
    let dir = TempDir::new("work-plan");
    std::fs::write(dir.path().join("plan.lua"), WORK_PLAN).expect("writing plan.lua");
    Server::start_in(dir, &[])
}

/// Renderer plugins' HTML reaches the page as it is: every HTML document
/// carries a policy that lets scripts come only from the server's files.
#[test]
fn html_responses_carry_a_content_security_policy() {
    let server = work_plan_server();
    let policy_of = |what: &str, response: &Response| {
        let policy = response.header("content-security-policy").unwrap_or_else(|| {
            panic!("{what} (status {}) has no Content-Security-Policy", response.status)
        });
        let directives: Vec<&str> = policy.split(';').map(str::trim).collect();
        for wanted in [
            "default-src 'self'",
            "script-src 'self'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
            // Renderers may lay a view out with inline `style`.
            "style-src 'self' 'unsafe-inline'",
        ] {
            assert!(directives.contains(&wanted), "{what}: {policy:?} lacks {wanted:?}");
        }
    };
    let index = server.get("/");
    assert_eq!(index.status, 200);
    policy_of("the client's index page", &index);
    policy_of("/index.html", &server.get("/index.html"));
    // A revalidated page keeps it: a 304 updates the headers cached.
    let etag = index.header("etag").expect("etag");
    let again = server.request("GET", "/", &[("If-None-Match", etag)], b"");
    assert_eq!(again.status, 304);
    policy_of("a 304 for the index page", &again);

    let page = server.get("/view/work?renderer=table");
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains("data-key=\"item-1\""), "{}", page.text());
    policy_of("a view page", &page);
    for missing in ["/view/nope", "/view/work?renderer=nope"] {
        let page = server.get(missing);
        assert_eq!(page.status, 404, "{missing}");
        policy_of(missing, &page);
    }
    // Scripts and data are not documents.
    assert_eq!(server.get("/app.js").header("content-security-policy"), None);
}

/// A loaded renderer asked for a view it does not draw names no page, as
/// an unknown renderer does not.
#[test]
fn a_view_page_with_a_renderer_that_does_not_draw_the_view_is_404() {
    let server = work_plan_server();
    assert_eq!(server.get("/view/work?renderer=table").status, 200);
    let page = server.get("/view/work?renderer=staff");
    assert_eq!(page.status, 404, "{}", page.text());
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    let text = page.text();
    assert!(
        text.contains(
            "renderer &#39;staff&#39; does not draw view &#39;work&#39; (it draws: staff)"
        ),
        "{text}"
    );
    // Nothing is rendered for it: the page holds no view.
    assert!(!text.contains("id=\"plan-view\""), "{text}");
    assert_eq!(server.get("/view/work?renderer=nope").status, 404);
}
