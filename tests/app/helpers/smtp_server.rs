//! A small SMTP server for the tests: real SMTP over TCP (greeting, EHLO, MAIL, RCPT, DATA with
//! dot-unstuffing, RSET, NOOP, QUIT, and optionally STARTTLS or implicit TLS and AUTH PLAIN),
//! recording what it accepted. It can be slow, refuse recipients, go down (connection refused,
//! open connections cut) and come back on its port.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::AbortHandle;
use tokio_rustls::TlsAcceptor;

/// A message the server accepted (answered 250 to its DATA).
#[derive(Debug, Clone)]
pub struct Received {
    /// Whether the session was encrypted, and who authenticated (AUTH PLAIN).
    pub tls: bool,
    pub auth: Option<String>,
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

/// The server side of the test certificate (tests/app/tls: localhost and 127.0.0.1, self-signed;
/// clients trust it with `?ca=`).
pub fn test_acceptor() -> TlsAcceptor {
    use tokio_rustls::rustls::{self, pki_types::pem::PemObject};
    let (cert, key) = (
        test_cert_path(),
        test_cert_path().replace("cert.pem", "key.pem"),
    );
    let certs = rustls::pki_types::CertificateDer::pem_file_iter(&cert)
        .expect("cert.pem")
        .collect::<Result<Vec<_>, _>>()
        .expect("certificates");
    let key = rustls::pki_types::PrivateKeyDer::from_pem_file(&key).expect("key.pem");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocols")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");
    TlsAcceptor::from(Arc::new(config))
}

pub fn test_cert_path() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/app/tls/cert.pem").to_string()
}

/// Decides the reply to `RCPT TO:<addr>`: None accepts.
pub type RcptRule = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

#[derive(Default)]
struct Shared {
    received: Vec<Received>,
    connections: usize,
    tasks: Vec<AbortHandle>,
}

/// TLS for the server: STARTTLS offered after EHLO, or TLS from the first byte.
#[derive(Clone)]
pub enum Tls {
    StartTls(TlsAcceptor),
    Implicit(TlsAcceptor),
}

#[derive(Clone, Default)]
struct Config {
    delay: Duration,
    rcpt_rule: Option<RcptRule>,
    tls: Option<Tls>,
    /// AUTH PLAIN accepted for this user and password (and required before MAIL).
    login: Option<(String, String)>,
}

pub struct SmtpServer {
    pub port: u16,
    config: Config,
    shared: Arc<Mutex<Shared>>,
}

impl SmtpServer {
    pub async fn start() -> Self {
        Self::start_with(Duration::ZERO, None).await
    }

    /// `delay`: how long it takes to answer the end of DATA (a slow relay).
    pub async fn start_with(delay: Duration, rcpt_rule: Option<RcptRule>) -> Self {
        Self::start_config(Config {
            delay,
            rcpt_rule,
            ..Config::default()
        })
        .await
    }

    /// A server with TLS (the test certificate for localhost) that requires AUTH PLAIN.
    pub async fn start_tls(tls: Tls, user: &str, password: &str) -> Self {
        Self::start_config(Config {
            tls: Some(tls),
            login: Some((user.into(), password.into())),
            ..Config::default()
        })
        .await
    }

    async fn start_config(config: Config) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = Self {
            port,
            config,
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
        let (shared, config) = (self.shared.clone(), self.config.clone());
        let accept = tokio::spawn({
            let shared = shared.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let _ = stream.set_nodelay(true);
                    let (mine, config) = (shared.clone(), config.clone());
                    let task = tokio::spawn(async move {
                        match &config.tls {
                            Some(Tls::Implicit(acceptor)) => {
                                if let Ok(tls) = acceptor.accept(stream).await {
                                    session(Box::new(tls), true, mine, config).await;
                                }
                            }
                            _ => session(Box::new(stream), false, mine, config).await,
                        }
                    });
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

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

async fn session(stream: Box<dyn Io>, tls: bool, shared: Arc<Mutex<Shared>>, config: Config) {
    let mut io = BufReader::new(stream);
    if io.write_all(b"220 test.local ESMTP\r\n").await.is_err() {
        return;
    }
    if let Some(upgraded) = dialogue(&mut io, tls, &shared, &config).await {
        // STARTTLS: the same session goes on encrypted, from a fresh greeting-less state.
        if let Some(Tls::StartTls(acceptor)) = &config.tls
            && let Ok(tls) = acceptor.accept(upgraded).await
        {
            let mut io = BufReader::new(Box::new(tls) as Box<dyn Io>);
            let _ = dialogue(&mut io, true, &shared, &config).await;
        }
    }
}

/// Runs commands until QUIT or a dropped connection (None), or STARTTLS (the raw stream back).
async fn dialogue(
    io: &mut BufReader<Box<dyn Io>>,
    tls: bool,
    shared: &Arc<Mutex<Shared>>,
    config: &Config,
) -> Option<Box<dyn Io>> {
    let (mut from, mut rcpt, mut auth) = (String::new(), Vec::<String>::new(), None::<String>);
    let offer_starttls = matches!(config.tls, Some(Tls::StartTls(_))) && !tls;
    let mut line = String::new();
    loop {
        line.clear();
        match io.read_line(&mut line).await {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
        let cmd = line.trim_end().to_string();
        let mut words = cmd.split_whitespace();
        let verb = words.next().unwrap_or("").to_ascii_uppercase();
        let reply: String = match verb.as_str() {
            "EHLO" => {
                let mut r = String::from("250-test.local\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n");
                if offer_starttls {
                    r.push_str("250-STARTTLS\r\n");
                }
                if config.login.is_some() && (tls || config.tls.is_none()) {
                    r.push_str("250-AUTH PLAIN\r\n");
                }
                r.push_str("250 SIZE 10485760\r\n");
                r
            }
            "HELO" => "250 test.local\r\n".into(),
            "STARTTLS" if offer_starttls => {
                io.write_all(b"220 2.0.0 Ready to start TLS\r\n")
                    .await
                    .ok()?;
                let stream =
                    std::mem::replace(io, BufReader::new(Box::new(tokio::io::duplex(1).0)));
                return Some(stream.into_inner());
            }
            "AUTH" => match (&config.login, words.next(), words.next()) {
                (Some((user, pass)), Some(m), Some(b64)) if m.eq_ignore_ascii_case("PLAIN") => {
                    let expected = format!("\0{user}\0{pass}");
                    if decode_b64(b64).as_deref() == Some(expected.as_bytes()) {
                        auth = Some(user.clone());
                        "235 2.7.0 Authentication successful\r\n".into()
                    } else {
                        "535 5.7.8 Authentication credentials invalid\r\n".into()
                    }
                }
                _ => "504 5.5.4 Unrecognized authentication type\r\n".into(),
            },
            "MAIL" if config.login.is_some() && auth.is_none() => {
                "530 5.7.0 Authentication required\r\n".into()
            }
            "MAIL" => {
                from = address(&cmd);
                rcpt.clear();
                "250 2.1.0 Ok\r\n".into()
            }
            "RCPT" => {
                let to = address(&cmd);
                match config.rcpt_rule.as_ref().and_then(|f| f(&to)) {
                    Some(refusal) => format!("{refusal}\r\n"),
                    None => {
                        rcpt.push(to);
                        "250 2.1.5 Ok\r\n".into()
                    }
                }
            }
            "DATA" if rcpt.is_empty() => "503 5.5.1 No valid recipients\r\n".into(),
            "DATA" => {
                io.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await
                    .ok()?;
                let data = read_data(io).await?;
                tokio::time::sleep(config.delay).await;
                io.write_all(b"250 2.0.0 Ok: queued\r\n").await.ok()?;
                // Accepted only once the 250 went out, as a real relay would.
                shared.lock().expect("lock").received.push(Received {
                    tls,
                    auth: auth.clone(),
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
                let _ = io.write_all(b"221 2.0.0 Bye\r\n").await;
                return None;
            }
            _ => "502 5.5.2 Command not recognized\r\n".into(),
        };
        io.write_all(reply.as_bytes()).await.ok()?;
    }
}

fn decode_b64(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).ok()
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
