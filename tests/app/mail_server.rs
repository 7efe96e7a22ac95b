//! A small SMTP server for the tests: real SMTP over TCP (greeting, EHLO, MAIL, RCPT, DATA with
//! dot-unstuffing, RSET, NOOP, QUIT), recording what it accepted. It can be slow, refuse
//! recipients, go down (connection refused, open connections cut) and come back on its port.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// A message the server accepted (answered 250 to its DATA).
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub rcpt: Vec<String>,
    pub data: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("a MIME message")
    }

    pub fn message_id(&self) -> String {
        self.parsed().message_id().unwrap_or_default().to_string()
    }
}

/// Decides the reply to `RCPT TO:<addr>`: None accepts.
pub type RcptRule = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

#[derive(Default)]
struct Shared {
    received: Vec<Received>,
    connections: usize,
    tasks: Vec<AbortHandle>,
}

pub struct SmtpServer {
    pub port: u16,
    delay: Duration,
    rcpt_rule: Option<RcptRule>,
    shared: Arc<Mutex<Shared>>,
}

impl SmtpServer {
    pub async fn start() -> Self {
        Self::start_with(Duration::ZERO, None).await
    }

    /// `delay`: how long it takes to answer the end of DATA (a slow relay).
    pub async fn start_with(delay: Duration, rcpt_rule: Option<RcptRule>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = Self {
            port,
            delay,
            rcpt_rule,
            shared: Arc::default(),
        };
        server.serve(listener);
        server
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().expect("lock").received.clone()
    }

    pub fn count(&self) -> usize {
        self.shared.lock().expect("lock").received.len()
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.lock().expect("lock").connections
    }

    /// How often each Message-ID arrived.
    pub fn message_id_counts(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for r in self.received() {
            *counts.entry(r.message_id()).or_insert(0) += 1;
        }
        counts
    }

    /// Down: the port refuses connections and open sessions are cut.
    pub fn stop(&self) {
        let tasks = std::mem::take(&mut self.shared.lock().expect("lock").tasks);
        for t in tasks {
            t.abort();
        }
    }

    /// Back up on the same port.
    pub async fn restart(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("rebind the same port");
        self.serve(listener);
    }

    fn serve(&self, listener: TcpListener) {
        let (shared, delay, rule) = (self.shared.clone(), self.delay, self.rcpt_rule.clone());
        let accept = tokio::spawn({
            let shared = shared.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let task = tokio::spawn(session(stream, shared.clone(), delay, rule.clone()));
                    let mut s = shared.lock().expect("lock");
                    s.connections += 1;
                    s.tasks.retain(|t| !t.is_finished());
                    s.tasks.push(task.abort_handle());
                }
            }
        });
        shared
            .lock()
            .expect("lock")
            .tasks
            .push(accept.abort_handle());
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn session(
    stream: TcpStream,
    shared: Arc<Mutex<Shared>>,
    delay: Duration,
    rule: Option<RcptRule>,
) {
    let _ = stream.set_nodelay(true);
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    if w.write_all(b"220 test.local ESMTP\r\n").await.is_err() {
        return;
    }
    let (mut from, mut rcpt) = (String::new(), Vec::<String>::new());
    let mut line = String::new();
    loop {
        line.clear();
        match r.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let cmd = line.trim_end().to_string();
        let verb = cmd
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply: String = match verb.as_str() {
            "EHLO" => {
                "250-test.local\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n".into()
            }
            "HELO" => "250 test.local\r\n".into(),
            "MAIL" => {
                from = address(&cmd);
                rcpt.clear();
                "250 2.1.0 Ok\r\n".into()
            }
            "RCPT" => {
                let to = address(&cmd);
                match rule.as_ref().and_then(|f| f(&to)) {
                    Some(refusal) => format!("{refusal}\r\n"),
                    None => {
                        rcpt.push(to);
                        "250 2.1.5 Ok\r\n".into()
                    }
                }
            }
            "DATA" if rcpt.is_empty() => "503 5.5.1 No valid recipients\r\n".into(),
            "DATA" => {
                if w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await
                    .is_err()
                {
                    return;
                }
                let Some(data) = read_data(&mut r).await else {
                    return;
                };
                tokio::time::sleep(delay).await;
                if w.write_all(b"250 2.0.0 Ok: queued\r\n").await.is_err() {
                    return;
                }
                // Accepted only once the 250 went out, as a real relay would.
                shared.lock().expect("lock").received.push(Received {
                    from: from.clone(),
                    rcpt: std::mem::take(&mut rcpt),
                    data,
                });
                continue;
            }
            "RSET" => {
                rcpt.clear();
                "250 2.0.0 Ok\r\n".into()
            }
            "NOOP" => "250 2.0.0 Ok\r\n".into(),
            "QUIT" => {
                let _ = w.write_all(b"221 2.0.0 Bye\r\n").await;
                return;
            }
            _ => "502 5.5.2 Command not recognized\r\n".into(),
        };
        if w.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// `MAIL FROM:<a@b> SIZE=…` → `a@b`.
fn address(cmd: &str) -> String {
    cmd.split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(a, _)| a.to_string())
        .unwrap_or_default()
}

/// The message up to the lone dot, with dot-stuffing undone.
async fn read_data<R: AsyncBufReadExt + Unpin>(r: &mut R) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if r.read_until(b'\n', &mut line).await.ok()? == 0 {
            return None;
        }
        if line == b".\r\n" {
            return Some(data);
        }
        let body = line.strip_prefix(b".").unwrap_or(&line);
        data.extend_from_slice(body);
    }
}
