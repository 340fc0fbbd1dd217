//! WebSocket behaviour of a real `planhost serve`: fan-out, revisions,
//! slow and silent clients, malformed frames, the handshake, shutdown.

use std::io::Write;
use std::time::Duration;

use futures_lite::StreamExt;
use planhost_tests::tungstenite::Message;
use planhost_tests::tungstenite::protocol::frame::coding::CloseCode;
use planhost_tests::{RawWs, Server, next_json, next_message, send_json, stays_quiet, subscribe};
use serde_json::json;

#[test]
fn two_hundred_clients_get_the_same_20kb_message_and_rev() {
    let server = Server::start(&[]);
    smol::block_on(async {
        let mut clients = Vec::new();
        for _ in 0..200 {
            let mut ws = server.ws().await;
            subscribe(&mut ws, "plan", None).await;
            clients.push(ws);
        }
        server.wait_subscribers("plan", 200);
        let data: String = (0..20 * 1024).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        let published = server.publish("plan", &data);
        assert_eq!(published["subscribers"], 200);
        for ws in &mut clients {
            let frame = next_json(ws).await;
            assert_eq!(frame["type"], "message");
            assert_eq!(frame["topic"], "plan");
            assert_eq!(frame["rev"], published["rev"]);
            assert_eq!(frame["data"].as_str().map(str::len), Some(data.len()));
            assert_eq!(frame["data"], data.as_str());
        }
    });
}

#[test]
fn revisions_only_grow_and_since_skips_what_the_client_has() {
    let server = Server::start(&[]);
    smol::block_on(async {
        let first = server.publish("t", "one")["rev"].as_u64().unwrap();
        let second = server.publish("t", "two")["rev"].as_u64().unwrap();
        assert!(second > first);
        let other = server.publish("u", "x")["rev"].as_u64().unwrap();
        assert!(other > second);

        // Current message on subscribe.
        let mut fresh = server.ws().await;
        subscribe(&mut fresh, "t", None).await;
        let frame = next_json(&mut fresh).await;
        assert_eq!((frame["rev"].as_u64(), frame["data"].as_str()), (Some(second), Some("two")));

        // Up to date: nothing until the next publish.
        let mut current = server.ws().await;
        subscribe(&mut current, "t", Some(second)).await;
        server.wait_subscribers("t", 2);
        assert!(stays_quiet(&mut current, Duration::from_millis(300)).await);
        let third = server.publish("t", "three")["rev"].as_u64().unwrap();
        assert_eq!(next_json(&mut current).await["rev"].as_u64(), Some(third));

        // Behind: gets the current message only.
        let mut behind = server.ws().await;
        subscribe(&mut behind, "t", Some(first)).await;
        let frame = next_json(&mut behind).await;
        assert_eq!((frame["rev"].as_u64(), frame["data"].as_str()), (Some(third), Some("three")));

        // Unsubscribed: nothing more.
        send_json(&mut behind, json!({"type": "unsubscribe", "topic": "t"})).await;
        server.wait_subscribers("t", 2);
        server.publish("t", "four");
        assert!(stays_quiet(&mut behind, Duration::from_millis(300)).await);
    });
}

#[test]
fn a_client_that_never_reads_does_not_delay_the_others() {
    let server = Server::start(&["--client-queue", "8", "--stuck-timeout", "1s"]);
    smol::block_on(async {
        let mut stalled = server.ws().await;
        subscribe(&mut stalled, "t", None).await;
        let mut reader = server.ws().await;
        subscribe(&mut reader, "t", None).await;
        server.wait_subscribers("t", 2);
        // 300 x 64 KiB is far more than the socket buffers hold.
        let chunk = "z".repeat(64 << 10);
        let reading = smol::spawn(async move {
            let mut revs = Vec::new();
            for _ in 0..300 {
                let frame = next_json(&mut reader).await;
                revs.push(frame["rev"].as_u64().unwrap());
            }
            (revs, reader)
        });
        let mut published = Vec::new();
        for i in 0..300 {
            published.push(server.publish("t", &format!("{i}{chunk}"))["rev"].as_u64().unwrap());
        }
        let (revs, _reader) = reading.await;
        assert_eq!(revs, published, "the reading client got every message in order");
        // The stalled client was cut off, not waited for.
        server.wait_subscribers("t", 1);
        let mut frames = 0;
        while let Some(Ok(message)) = stalled.next().await {
            if let Message::Close(_) = message {
                break;
            }
            frames += 1;
        }
        assert!(frames < 300, "the stalled client cannot have received everything");
    });
}

#[test]
fn a_slow_reader_pinged_often_gets_every_large_message_whole_and_in_order() {
    // The hub writes a frame straight to an idle client's socket; what the
    // socket does not take the session finishes before its pings or any
    // queued frame. A slow reader with frequent pings makes both happen.
    let server = Server::start(&["--ping-interval", "15ms", "--client-queue", "256"]);
    smol::block_on(async {
        let mut slow = server.ws().await;
        subscribe(&mut slow, "t", None).await;
        server.wait_subscribers("t", 1);
        let messages = 60;
        let reading = smol::spawn(async move {
            let (mut revs, mut pings) = (Vec::new(), 0);
            while revs.len() < messages {
                match slow.next().await {
                    Some(Ok(Message::Text(text))) => {
                        let frame: serde_json::Value = serde_json::from_str(text.as_str()).unwrap();
                        let data = frame["data"].as_str().unwrap();
                        let (n, body) = data.split_once(':').unwrap();
                        assert_eq!(body.len(), 512 << 10);
                        assert!(body.bytes().all(|b| b == b'a' + (n.parse::<u8>().unwrap() % 26)));
                        revs.push(frame["rev"].as_u64().unwrap());
                        smol::Timer::after(Duration::from_millis(10)).await;
                    }
                    Some(Ok(Message::Ping(_))) => pings += 1,
                    other => panic!("unexpected {other:?} after {} messages", revs.len()),
                }
            }
            (revs, pings, slow)
        });
        let mut published = Vec::new();
        for i in 0..messages {
            let body = char::from(b'a' + (i % 26) as u8).to_string().repeat(512 << 10);
            published.push(server.publish("t", &format!("{i}:{body}"))["rev"].as_u64().unwrap());
        }
        let (revs, pings, _slow) = reading.await;
        assert_eq!(revs, published, "every message, whole and in order");
        assert!(pings > 0, "pings went out between the messages");
        assert_eq!(server.subscribers("t"), 1);
    });
}

#[test]
fn clients_reading_at_their_own_pace_get_whole_frames_in_order_on_both_kinds_of_topic() {
    // The hub writes to idle clients itself and hands the others to their
    // sessions; fast and slow readers, frequent pings and messages from a
    // few bytes to 100 KiB on an every-message topic and a latest-wins one
    // exercise every way between the two.
    let server = Server::start(&["--ping-interval", "10ms", "--client-queue", "512"]);
    let publishes = 120;
    let body = |i: usize| {
        let fill = char::from(b'a' + (i % 26) as u8);
        format!("{i}:{}", fill.to_string().repeat((i * 7919) % (100 << 10)))
    };
    smol::block_on(async {
        let mut readers = Vec::new();
        for _ in 0..16 {
            let mut ws = server.ws().await;
            subscribe(&mut ws, "every", None).await;
            subscribe(&mut ws, "latest", None).await;
            readers.push(ws);
        }
        server.wait_subscribers("every", 16);
        server.wait_subscribers("latest", 16);
        // The newest revision on the latest-wins topic, once all is published.
        let newest = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let tasks: Vec<_> = readers
            .into_iter()
            .enumerate()
            .map(|(client, mut ws)| {
                let newest = newest.clone();
                smol::spawn(async move {
                    let (mut every, mut latest) = (Vec::new(), Vec::new());
                    let finished = |every: &Vec<u64>, latest: &Vec<u64>| {
                        let newest = newest.load(std::sync::atomic::Ordering::Acquire);
                        every.len() == publishes / 2
                            && newest != 0
                            && latest.last() == Some(&newest)
                    };
                    while !finished(&every, &latest) {
                        let message = next_message(&mut ws, Duration::from_secs(20)).await;
                        let Some(message) = message else {
                            panic!(
                                "client {client}: nothing for 20 s after {every:?} / {latest:?}"
                            );
                        };
                        let Message::Text(text) = message else { continue };
                        let frame: serde_json::Value = serde_json::from_str(text.as_str()).unwrap();
                        let data = frame["data"].as_str().unwrap();
                        let (n, rest) = data.split_once(':').unwrap();
                        let fill = b'a' + (n.parse::<usize>().unwrap() % 26) as u8;
                        assert!(rest.bytes().all(|b| b == fill), "client {client}: a torn message");
                        let rev = frame["rev"].as_u64().unwrap();
                        match frame["topic"].as_str() {
                            Some("every") => every.push(rev),
                            Some("latest") => latest.push(rev),
                            other => panic!("unexpected topic {other:?}"),
                        }
                        // A quarter of the clients read at once, the others
                        // pause up to 3 ms after each message.
                        if client % 4 != 0 {
                            smol::Timer::after(Duration::from_millis((client % 4) as u64)).await;
                        }
                    }
                    (client, every, latest, ws)
                })
            })
            .collect();
        let (mut every_revs, mut latest_revs) = (Vec::new(), Vec::new());
        for i in 0..publishes {
            if i % 2 == 0 {
                every_revs.push(server.publish("every", &body(i))["rev"].as_u64().unwrap());
            } else {
                let answer = server.publish_with("latest", &body(i), "?delivery=latest-wins");
                latest_revs.push(answer["rev"].as_u64().unwrap());
            }
        }
        newest.store(*latest_revs.last().unwrap(), std::sync::atomic::Ordering::Release);
        let mut kept = Vec::new();
        for task in tasks {
            let (client, every, latest, ws) = task.await;
            assert_eq!(every, every_revs, "client {client}: every message, in order");
            assert!(latest.windows(2).all(|w| w[0] < w[1]), "client {client}: {latest:?}");
            assert!(latest.iter().all(|rev| latest_revs.contains(rev)), "client {client}");
            kept.push(ws);
        }
        assert_eq!(server.subscribers("every"), 16);
    });
}

#[test]
fn a_lagging_client_skips_to_the_newest_on_a_latest_wins_topic() {
    let server = Server::start(&["--client-queue", "4"]);
    smol::block_on(async {
        let mut lagging = server.ws().await;
        subscribe(&mut lagging, "view/work/table", None).await;
        server.wait_subscribers("view/work/table", 1);
        let page = "p".repeat(200 << 10);
        let mut last = 0;
        for i in 0..100 {
            let published = server.publish_with(
                "view/work/table",
                &format!("{i:03}{page}"),
                "?delivery=latest-wins",
            );
            last = published["rev"].as_u64().unwrap();
        }
        let mut revs = Vec::new();
        while revs.last() != Some(&last) {
            let frame = next_json(&mut lagging).await;
            revs.push(frame["rev"].as_u64().unwrap());
        }
        assert!(revs.windows(2).all(|w| w[0] < w[1]), "revisions must grow");
        assert!(revs.len() < 100, "stale messages were queued: got all {}", revs.len());
        // Still subscribed: a lagging latest-wins client is not closed.
        assert_eq!(server.subscribers("view/work/table"), 1);
        let newest = server.publish_with("view/work/table", "fresh", "?delivery=latest-wins");
        assert_eq!(next_json(&mut lagging).await["rev"], newest["rev"]);
    });
}

#[test]
fn disconnects_remove_subscribers() {
    let server = Server::start(&[]);
    smol::block_on(async {
        let mut clients = Vec::new();
        for _ in 0..10 {
            let mut ws = server.ws().await;
            subscribe(&mut ws, "t", None).await;
            clients.push(ws);
        }
        server.wait_subscribers("t", 10);
        for mut ws in clients.drain(..5) {
            ws.close(None).await.unwrap();
        }
        server.wait_subscribers("t", 5);
        // Dropped without a close frame: the TCP connection just ends.
        clients.truncate(2);
        server.wait_subscribers("t", 2);
        drop(clients);
        server.wait_subscribers("t", 0);
    });
}

#[test]
fn malformed_text_frames_get_error_frames_and_the_connection_stays() {
    let server = Server::start(&[]);
    smol::block_on(async {
        let mut ws = server.ws().await;
        for bad in [
            "not json",
            "{}",
            r#"{"type":"shout","topic":"t"}"#,
            r#"{"type":"subscribe"}"#,
            r#"{"type":"subscribe","topic":""}"#,
            r#"{"type":"subscribe","topic":"t","since":"yesterday"}"#,
        ] {
            ws.send(Message::text(bad)).await.unwrap();
            let frame = next_json(&mut ws).await;
            assert_eq!(frame["type"], "error", "{bad}");
            assert!(frame["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
        // A topic refused is named in the error, as the protocol says.
        let control = "a\u{1}b";
        subscribe(&mut ws, control, None).await;
        let frame = next_json(&mut ws).await;
        assert_eq!(
            (&frame["type"], &frame["topic"]),
            (&json!("error"), &json!(control)),
            "{frame}"
        );
        subscribe(&mut ws, "t", None).await;
        server.wait_subscribers("t", 1);
        let rev = server.publish("t", "still here")["rev"].clone();
        assert_eq!(next_json(&mut ws).await["rev"], rev);
    });
}

fn close_code_of(message: Option<Message>) -> Option<CloseCode> {
    match message {
        Some(Message::Close(Some(frame))) => Some(frame.code),
        _ => None,
    }
}

#[test]
fn binary_and_oversized_frames_are_closed_with_the_right_code() {
    let server = Server::start(&[]);
    smol::block_on(async {
        let mut binary = server.ws().await;
        binary.send(Message::binary(vec![1, 2, 3])).await.unwrap();
        let code = close_code_of(next_message(&mut binary, Duration::from_secs(10)).await);
        assert_eq!(code, Some(CloseCode::Unsupported));

        let mut huge = server.ws().await;
        let _ = huge.send(Message::text("x".repeat(100 << 10))).await;
        let code = close_code_of(next_message(&mut huge, Duration::from_secs(10)).await);
        assert_eq!(code, Some(CloseCode::Size));
    });
    let mut invalid_utf8 = RawWs::connect(&server);
    invalid_utf8.write_frame(0x1, b"\xff\xfe", true);
    assert_eq!(invalid_utf8.close_code(), Some(1007));

    let mut unmasked = RawWs::connect(&server);
    unmasked.write_frame(0x1, br#"{"type":"subscribe","topic":"t"}"#, false);
    assert_eq!(unmasked.close_code(), Some(1002));

    let mut bad_opcode = RawWs::connect(&server);
    bad_opcode.write_frame(0x3, b"?", true);
    assert_eq!(bad_opcode.close_code(), Some(1002));

    // A burst of pings is answered; a flood of them, more than can be
    // answered as they come, is closed with 1008 (policy violation).
    for (pings, closed) in [(20, false), (2000, true)] {
        let mut pinger = RawWs::connect(&server);
        let burst: Vec<u8> = (0..pings).flat_map(|_| RawWs::frame(0x89, b"p", true)).collect();
        pinger.0.write_all(&burst).unwrap();
        if closed {
            assert_eq!(pinger.close_code(), Some(1008), "{pings} pings");
        } else {
            for _ in 0..pings {
                assert_eq!(pinger.read_frame(), Some((0xA, b"p".to_vec())), "{pings} pings");
            }
        }
    }

    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn handshake_is_checked() {
    let server = Server::start(&[]);
    let ws_request = |extra: &str| {
        let request = format!(
            "GET /ws HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n{extra}\r\n",
            server.addr
        );
        server.raw(request.as_bytes()).status
    };
    let upgrade = "Connection: Upgrade\r\nUpgrade: websocket\r\n";
    let key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    let version = "Sec-WebSocket-Version: 13\r\n";
    assert_eq!(ws_request(""), 426, "plain GET /ws");
    assert_eq!(ws_request(&format!("{upgrade}{key}Sec-WebSocket-Version: 8\r\n")), 426);
    assert_eq!(ws_request(&format!("{upgrade}{version}")), 400, "no key");
    assert_eq!(ws_request(&format!("{upgrade}{version}Sec-WebSocket-Key: short\r\n")), 400);
    assert_eq!(ws_request(&format!("{upgrade}{key}{version}Origin: http://evil.example\r\n")), 403);
    // A body would be read as the client's first frames.
    for body in ["Content-Length: 5\r\n", "Transfer-Encoding: chunked\r\n"] {
        assert_eq!(ws_request(&format!("{upgrade}{key}{version}{body}")), 400, "{body}");
    }
    let same_origin = format!("{upgrade}{key}{version}Origin: http://{}\r\n", server.addr);
    let mut stream = server.connect();
    stream
        .write_all(
            format!("GET /ws HTTP/1.1\r\nHost: {}\r\n{same_origin}\r\n", server.addr).as_bytes(),
        )
        .unwrap();
    let response = planhost_tests::Response::read_from(&mut stream).unwrap();
    assert_eq!(response.status, 101);
    assert_eq!(response.header("sec-websocket-accept"), Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    assert_eq!(server.request("POST", "/ws", &[], b"").status, 405);
}

#[test]
fn a_client_that_misses_pongs_is_dropped() {
    let server = Server::start(&["--ping-interval", "100ms", "--pong-timeout", "600ms"]);
    smol::block_on(async {
        let mut silent = server.ws().await;
        subscribe(&mut silent, "t", None).await;
        let mut live = server.ws().await;
        subscribe(&mut live, "t", None).await;
        server.wait_subscribers("t", 2);
        // The live client keeps reading, so its library answers the pings;
        // the silent one never polls its socket and never answers.
        let listening = smol::spawn(async move {
            let mut frames = Vec::new();
            while let Some(Ok(message)) = live.next().await {
                if let Message::Text(text) = message {
                    frames.push(text.to_string());
                    return frames;
                }
            }
            frames
        });
        server.wait_subscribers("t", 1);
        std::thread::sleep(Duration::from_millis(1000));
        assert_eq!(server.subscribers("t"), 1, "the answering client must stay");
        let rev = server.publish("t", "ping-pong")["rev"].clone();
        let frames = listening.await;
        assert_eq!(frames.len(), 1);
        let frame: serde_json::Value = serde_json::from_str(&frames[0]).unwrap();
        assert_eq!(frame["rev"], rev);
        drop(silent);
    });
}

#[test]
fn sigterm_closes_clients_with_going_away_and_exits_zero() {
    let mut server = Server::start(&[]);
    smol::block_on(async {
        let mut clients = Vec::new();
        for _ in 0..5 {
            let mut ws = server.ws().await;
            subscribe(&mut ws, "t", None).await;
            clients.push(ws);
        }
        server.wait_subscribers("t", 5);
        server.signal(rustix::process::Signal::TERM);
        for ws in &mut clients {
            let code = close_code_of(next_message(ws, Duration::from_secs(10)).await);
            assert_eq!(code, Some(CloseCode::Away));
        }
    });
    let status = server.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0));
}

#[test]
fn sigint_exits_zero() {
    let mut server = Server::start(&[]);
    server.signal(rustix::process::Signal::INT);
    assert_eq!(server.wait_exit(Duration::from_secs(10)).code(), Some(0));
}

#[test]
fn sighup_shuts_down_cleanly_and_clears_the_plan_directory() {
    let mut server = Server::start(&[]);
    let state = server.plan_dir.path().join(".planhost");
    assert!(state.join("addr").exists());
    smol::block_on(async {
        let mut ws = server.ws().await;
        subscribe(&mut ws, "t", None).await;
        server.wait_subscribers("t", 1);
        server.signal(rustix::process::Signal::HUP);
        let code = close_code_of(next_message(&mut ws, Duration::from_secs(10)).await);
        assert_eq!(code, Some(CloseCode::Away));
    });
    assert_eq!(server.wait_exit(Duration::from_secs(10)).code(), Some(0));
    assert!(!state.join("addr").exists(), "the address of a server that is gone");
}

#[test]
fn plan_lua_runs_at_start_and_can_broadcast() {
    let plan = planhost_tests::TempDir::new("lua-plan");
    std::fs::write(
        plan.path().join("plan.lua"),
        "local items = {'a', 'b'}\nlocal a, b = items[2], items[1]\nplanhost.broadcast('plan/hello', a .. b .. ':' .. #items)\n",
    )
    .unwrap();
    let server = Server::start_in(plan, &[]);
    smol::block_on(async {
        let mut ws = server.ws().await;
        subscribe(&mut ws, "plan/hello", None).await;
        let frame = next_json(&mut ws).await;
        assert_eq!(frame["data"], "ba:2");
    });
}

#[test]
fn a_broken_plan_lua_does_not_stop_the_server() {
    let plan = planhost_tests::TempDir::new("lua-broken");
    std::fs::write(plan.path().join("plan.lua"), "while true do end").unwrap();
    let server = Server::start_in(plan, &[]);
    assert_eq!(server.get("/healthz").status, 200);
    let plan = planhost_tests::TempDir::new("lua-syntax");
    std::fs::write(plan.path().join("plan.lua"), "local = nil").unwrap();
    let server = Server::start_in(plan, &[]);
    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn client_pings_are_answered_and_client_close_is_echoed() {
    let server = Server::start(&[]);
    let mut raw = RawWs::connect(&server);
    raw.write_frame(0x9, b"are you there", true);
    assert_eq!(raw.read_frame(), Some((0xA, b"are you there".to_vec())));
    raw.write_frame(0x8, &1000u16.to_be_bytes(), true);
    let (opcode, payload) = raw.read_frame().expect("close answer");
    assert_eq!(opcode, 0x8);
    assert_eq!(payload.get(..2), Some(&1000u16.to_be_bytes()[..]));
    assert_eq!(raw.read_frame(), None, "the server closes the connection after the handshake");
}

/// A message's payload compressed as permessage-deflate sends it.
fn deflated(payload: &[u8]) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let mut compressor = Compress::new(Compression::default(), false);
    let mut out = Vec::with_capacity(payload.len() + 1024);
    compressor.compress_vec(payload, &mut out, FlushCompress::Sync).unwrap();
    assert_eq!(compressor.total_in() as usize, payload.len());
    assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
    out.truncate(out.len() - 4);
    out
}

/// A compressed message's payload inflated, as a client does.
fn inflated(payload: &[u8]) -> Vec<u8> {
    use flate2::{Decompress, FlushDecompress};
    let data = [payload, &[0, 0, 0xff, 0xff]].concat();
    let mut inflater = Decompress::new(false);
    let mut out = Vec::with_capacity(payload.len() * 50 + 1024);
    inflater.decompress_vec(&data, &mut out, FlushDecompress::Sync).unwrap();
    assert_eq!(inflater.total_in() as usize, data.len(), "all inflated");
    out
}

const DEFLATE_OFFER: &str =
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";

#[test]
fn permessage_deflate_is_negotiated_and_messages_go_compressed_both_ways() {
    let server = Server::start(&[]);
    let (mut compressed, head) = RawWs::connect_with(&server, DEFLATE_OFFER);
    let agreed = "sec-websocket-extensions: permessage-deflate; server_no_context_takeover; \
                  client_no_context_takeover";
    assert!(head.to_ascii_lowercase().contains(agreed), "{head}");
    let (mut plain, head) = RawWs::connect_with(&server, "");
    assert!(!head.to_ascii_lowercase().contains("sec-websocket-extensions"), "{head}");
    let declined = "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=9\r\n";
    let (_, head) = RawWs::connect_with(&server, declined);
    assert!(!head.to_ascii_lowercase().contains("sec-websocket-extensions"), "{head}");

    // The subscribe goes compressed, in two fragments with a ping between.
    let subscribe = deflated(br#"{"type":"subscribe","topic":"rows"}"#);
    let (a, b) = subscribe.split_at(subscribe.len() / 2);
    compressed.write_fragment(0x41, a, true);
    compressed.write_fragment(0x89, b"between", true);
    compressed.write_fragment(0x80, b, true);
    let (first, pong) = compressed.read_frame_whole().unwrap();
    assert_eq!((first, pong.as_slice()), (0x8a, &b"between"[..]), "pongs are never compressed");
    plain.write_frame(0x1, br#"{"type":"subscribe","topic":"rows"}"#, true);
    server.wait_subscribers("rows", 2);

    let rows: String =
        (0..2000).map(|i| format!("<tr data-key=\"{i}\"><td>item {i}</td></tr>")).collect();
    server.publish("rows", &rows);
    let (first, payload) = compressed.read_frame_whole().unwrap();
    assert_eq!(first, 0xc1, "a final text frame with RSV1");
    let (first, whole) = plain.read_frame_whole().unwrap();
    assert_eq!(first, 0x81);
    assert_eq!(inflated(&payload), whole, "the same message");
    assert!(payload.len() * 4 < whole.len(), "{} of {} bytes", payload.len(), whole.len());

    // Malformed JSON sent compressed gets an error frame, compressed too.
    compressed.write_frame(0x41, &deflated(b"{not json"), true);
    let (first, payload) = compressed.read_frame_whole().unwrap();
    assert_eq!(first, 0xc1);
    let error: serde_json::Value = serde_json::from_slice(&inflated(&payload)).unwrap();
    assert_eq!(error["type"], "error");
}

#[test]
fn compressed_frames_that_break_the_rules_close_with_the_right_code() {
    let server = Server::start(&[]);
    // 10 MiB of spaces: about 10 KiB compressed, far past the 64 KiB limit.
    let (mut bomb, _) = RawWs::connect_with(&server, DEFLATE_OFFER);
    bomb.write_frame(0x41, &deflated(&vec![b' '; 10 << 20]), true);
    assert_eq!(bomb.close_code(), Some(1009));

    let (mut broken, _) = RawWs::connect_with(&server, DEFLATE_OFFER);
    broken.write_frame(0x41, &[0xff; 16], true);
    assert_eq!(broken.close_code(), Some(1002));

    let (mut rsv1_on_continuation, _) = RawWs::connect_with(&server, DEFLATE_OFFER);
    rsv1_on_continuation.write_fragment(0x41, &deflated(b"{"), true);
    rsv1_on_continuation.write_fragment(0xc0, &deflated(b"}"), true);
    assert_eq!(rsv1_on_continuation.close_code(), Some(1002));

    let mut not_negotiated = RawWs::connect(&server);
    not_negotiated.write_frame(0x41, &deflated(br#"{"type":"subscribe","topic":"t"}"#), true);
    assert_eq!(not_negotiated.close_code(), Some(1002));

    let (mut fine, _) = RawWs::connect_with(&server, DEFLATE_OFFER);
    fine.write_frame(0x41, &deflated(br#"{"type":"subscribe","topic":"t"}"#), true);
    server.wait_subscribers("t", 1);
    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn frames_sent_right_behind_the_upgrade_request_are_read() {
    let server = Server::start(&[]);
    server.publish("early", "before the session");
    let subscribe = br#"{"type":"subscribe","topic":"early"}"#;
    let plain = RawWs::frame(0x81, subscribe, true);
    let (mut ws, _) = RawWs::connect_sending(&server, "", &plain);
    let (opcode, payload) = ws.read_frame().expect("the topic's message");
    assert_eq!(opcode, 0x1);
    let message: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(message["data"], "before the session");

    let compressed = RawWs::frame(0xc1, &deflated(subscribe), true);
    let (mut ws, head) = RawWs::connect_sending(&server, DEFLATE_OFFER, &compressed);
    assert!(head.to_ascii_lowercase().contains("permessage-deflate"), "{head}");
    let (first, payload) = ws.read_frame_whole().expect("the topic's message");
    assert_eq!(first, 0xc1);
    let message: serde_json::Value = serde_json::from_slice(&inflated(&payload)).unwrap();
    assert_eq!(message["data"], "before the session");
}
