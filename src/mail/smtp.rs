//! SMTP delivery over a small pool of reused connections.
//!
//! lettre 0.11's own transports never set TCP_NODELAY, so every command of every message waits
//! for the peer's delayed ACK (~40 ms; about 23 messages a second per connection). We open the
//! TCP stream ourselves, set TCP_NODELAY, and hand it to lettre's low-level client
//! (`AsyncSmtpConnection::connect_with_transport`), which still does the SMTP, STARTTLS and AUTH.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, AsyncTokioStream, Certificate, TlsParameters,
};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use super::error::SendError;
use crate::domain::delivery::{Security, SmtpTarget};

/// Getting a ready connection: a NOOP on an idle one, or connecting (greeting, EHLO, TLS, AUTH).
/// The dispatcher's lease (src/reminders/dispatch.rs) counts on these two bounds.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// One message: MAIL, RCPT, DATA and the server's final answer (it may scan the message).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(120);
/// A connection idle longer than this may have been closed by the server: NOOP it first.
const CHECK_IDLE_AFTER: Duration = Duration::from_secs(10);

struct Idle {
    conn: AsyncSmtpConnection,
    since: Instant,
}

/// Up to `size` connections to one server, each carrying one message at a time.
pub struct SmtpPool {
    target: SmtpTarget,
    hello: ClientId,
    tls: Option<TlsParameters>,
    credentials: Option<Credentials>,
    idle: Mutex<Vec<Idle>>,
    permits: Semaphore,
    size: usize,
}

impl SmtpPool {
    pub fn new(target: SmtpTarget, hello: String, size: usize) -> Result<Self, String> {
        let tls = match target.security {
            Security::Plain => None,
            Security::StartTls | Security::Implicit => Some(tls_parameters(&target)?),
        };
        let hello = match hello.parse() {
            Ok(std::net::IpAddr::V4(a)) => ClientId::Ipv4(a),
            Ok(std::net::IpAddr::V6(a)) => ClientId::Ipv6(a),
            Err(_) => ClientId::Domain(hello),
        };
        let credentials = target
            .credentials
            .clone()
            .map(|(user, pass)| Credentials::new(user, pass));
        Ok(Self {
            target,
            hello,
            tls,
            credentials,
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(size.max(1)),
            size: size.max(1),
        })
    }

    pub fn size(&self) -> usize {
        self.size
    }

    pub fn target(&self) -> &SmtpTarget {
        &self.target
    }

    /// Sends one message; returns the server's final reply ("250 2.0.0 Ok: queued as …").
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<String, SendError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| SendError::temporary("the SMTP pool is closed"))?;
        let mut conn = match tokio::time::timeout(CONNECT_TIMEOUT, self.checkout()).await {
            Ok(conn) => conn?,
            Err(_) => {
                return Err(SendError::temporary(format!(
                    "no SMTP connection to {}:{} within {}s",
                    self.target.host,
                    self.target.port,
                    CONNECT_TIMEOUT.as_secs()
                )));
            }
        };
        match tokio::time::timeout(SEND_TIMEOUT, conn.send(envelope, message)).await {
            Ok(Ok(response)) => {
                self.checkin(conn);
                Ok(reply_text(&response))
            }
            // lettre has already sent QUIT and closed the connection after a failed
            // transaction, so it is dropped rather than reused.
            Ok(Err(e)) => Err(classify(&e)),
            Err(_) => Err(SendError::temporary(format!(
                "no answer from the SMTP server within {}s",
                SEND_TIMEOUT.as_secs()
            ))),
        }
    }

    /// Politely ends every idle connection (at the end of `send-due`).
    pub async fn close(&self) {
        let idle: Vec<Idle> = match self.idle.lock() {
            Ok(mut v) => v.drain(..).collect(),
            Err(_) => return,
        };
        for mut i in idle {
            let _ = i.conn.quit().await;
        }
    }

    fn checkin(&self, conn: AsyncSmtpConnection) {
        if conn.has_broken() {
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(Idle {
                conn,
                since: Instant::now(),
            });
        }
    }

    async fn checkout(&self) -> Result<AsyncSmtpConnection, SendError> {
        loop {
            let next = self.idle.lock().ok().and_then(|mut v| v.pop());
            let Some(mut idle) = next else {
                return self.open().await;
            };
            if idle.conn.has_broken() {
                continue;
            }
            if idle.since.elapsed() < CHECK_IDLE_AFTER || idle.conn.test_connected().await {
                return Ok(idle.conn);
            }
        }
    }

    async fn open(&self) -> Result<AsyncSmtpConnection, SendError> {
        let (host, port) = (self.target.host.as_str(), self.target.port);
        let tcp = TcpStream::connect((host, port))
            .await
            .map_err(|e| SendError::temporary(format!("cannot connect to {host}:{port}: {e}")))?;
        // The point of opening the stream ourselves: without it each command waits for a
        // delayed ACK.
        tcp.set_nodelay(true)
            .map_err(|e| SendError::temporary(format!("TCP_NODELAY: {e}")))?;
        let mut conn = match (&self.target.security, &self.tls) {
            (Security::Implicit, Some(tls)) => {
                let stream = implicit_tls(tcp, tls.clone()).await?;
                AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello).await
            }
            _ => AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello).await,
        }
        .map_err(|e| classify_connect(&e))?;
        if let (Security::StartTls, Some(tls)) = (&self.target.security, &self.tls) {
            conn.starttls(tls.clone(), &self.hello)
                .await
                .map_err(|e| classify_connect(&e))?;
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(|e| SendError::temporary(format!("SMTP authentication failed: {e}")))?;
        }
        Ok(conn)
    }
}

/// Mozilla's roots (webpki-roots), plus the certificates of `?ca=` when given.
fn tls_parameters(target: &SmtpTarget) -> Result<TlsParameters, String> {
    let mut builder = TlsParameters::builder(target.host.clone());
    if let Some(path) = &target.ca_file {
        let pem =
            std::fs::read(path).map_err(|e| format!("SMTP_URL: cannot read ca={path}: {e}"))?;
        let cert = Certificate::from_pem(&pem)
            .map_err(|e| format!("SMTP_URL: ca={path} is not a PEM certificate: {e}"))?;
        builder = builder.add_root_certificate(cert);
    }
    builder
        .build_rustls()
        .map_err(|e| format!("SMTP_URL: TLS set-up failed: {e}"))
}

/// TLS from the first byte over our own TCP stream. lettre's public client only takes a tokio
/// stream, so its TLS stream (futures-io traits) is adapted back to tokio's; the TLS itself is
/// lettre's, with the same rustls settings as STARTTLS.
#[allow(deprecated)] // `AsyncNetworkStream` is public but marked "not meant to be public".
async fn implicit_tls(tcp: TcpStream, tls: TlsParameters) -> Result<TlsStream, SendError> {
    use lettre::transport::smtp::client::AsyncNetworkStream;
    use tokio_util::compat::FuturesAsyncReadCompatExt;
    let mut stream = AsyncNetworkStream::use_existing_tokio1(Box::new(tcp));
    stream
        .upgrade_tls(tls)
        .await
        .map_err(|e| SendError::temporary(format!("TLS handshake failed: {e}")))?;
    Ok(TlsStream(stream.compat()))
}

#[allow(deprecated)]
#[derive(Debug)]
struct TlsStream(tokio_util::compat::Compat<lettre::transport::smtp::client::AsyncNetworkStream>);

impl AsyncRead for TlsStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for TlsStream {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().peer_addr()
    }
}

fn reply_text(r: &Response) -> String {
    let lines: Vec<&str> = r.message().collect();
    format!("{} {}", r.code(), lines.join(" "))
}

/// A 5xx is permanent for this message, except the authentication codes (530, 534, 535, 538):
/// those mean our configuration is wrong, and every message would otherwise die with it.
fn classify(e: &lettre::transport::smtp::Error) -> SendError {
    let text = e.to_string();
    match e.status() {
        Some(code) if e.is_permanent() && !is_auth_code(&code.to_string()) => {
            SendError::permanent(text)
        }
        _ => SendError::temporary(text),
    }
}

/// At connection time even a 5xx (a greeting of 554, a refused EHLO) says nothing about the
/// message, so it is retried.
fn classify_connect(e: &lettre::transport::smtp::Error) -> SendError {
    SendError::temporary(format!("SMTP connection failed: {e}"))
}

fn is_auth_code(code: &str) -> bool {
    matches!(code, "530" | "534" | "535" | "538")
}
