//! Realism knobs (latency, token-bucket rate limits, injected faults, slow bodies) and the
//! request log, applied to every AWS API request by one middleware in front of the handlers.

use std::collections::{BTreeMap, HashMap};
use std::future::Future as _;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::error::{AwsError, Service};

/// Run-time adjustable knobs (also the JSON of `POST /_emulator/knobs`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Knobs {
    /// Fixed latency added to each AWS API request.
    pub latency_ms: u64,
    /// Uniform random extra latency, 0..=jitter.
    pub jitter_ms: u64,
    /// Portal requests per second per instance (0 = unlimited).
    pub portal_tps: f64,
    /// OIDC requests per second (0 = unlimited).
    pub oidc_tps: f64,
    /// CodeCommit API requests per second per account (0 = unlimited).
    pub codecommit_tps: f64,
    /// Fraction of AWS API requests answered with a 5xx.
    pub fault_rate: f64,
    /// Fraction of AWS API requests whose response is cut off mid-stream.
    pub reset_rate: f64,
    /// Delay between 64-byte body chunks (0 = whole body at once).
    pub slow_body_ms: u64,
}

/// A partial update of [`Knobs`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KnobsPatch {
    latency_ms: Option<u64>,
    jitter_ms: Option<u64>,
    portal_tps: Option<f64>,
    oidc_tps: Option<f64>,
    codecommit_tps: Option<f64>,
    fault_rate: Option<f64>,
    reset_rate: Option<f64>,
    slow_body_ms: Option<u64>,
}

impl Knobs {
    /// Applies the fields a patch sets.
    pub fn apply(&mut self, p: KnobsPatch) {
        macro_rules! set { ($($f:ident),*) => { $( if let Some(v) = p.$f { self.$f = v; } )* } }
        set!(
            latency_ms,
            jitter_ms,
            portal_tps,
            oidc_tps,
            codecommit_tps,
            fault_rate,
            reset_rate,
            slow_body_ms
        );
    }
}

/// A token bucket: `rate` tokens per second, burst of `rate` (at least 1).
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Counters behind `GET /_emulator/stats`.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Requests per API operation (including throttled and faulted ones).
    pub requests: BTreeMap<String, u64>,
    /// Requests answered with a throttling error.
    pub throttled: u64,
    /// Injected faults (5xx and cut-off responses).
    pub faults: u64,
    /// Highest number of requests seen within one wall-clock second, per service.
    pub peak_tps: BTreeMap<String, u64>,
    /// All AWS API requests.
    pub total: u64,
    #[serde(skip)]
    current: HashMap<String, (u64, u64)>,
}

impl Stats {
    /// Counts a request made during wall-clock `second` (passed in, so tests can set the clock).
    fn record(&mut self, op: &str, service: &str, second: u64) {
        *self.requests.entry(op.to_owned()).or_default() += 1;
        self.total += 1;
        let cur = self
            .current
            .entry(service.to_owned())
            .or_insert((second, 0));
        if cur.0 != second {
            *cur = (second, 0);
        }
        cur.1 += 1;
        let peak = self.peak_tps.entry(service.to_owned()).or_default();
        *peak = (*peak).max(cur.1);
    }
}

/// Knobs, buckets and stats shared by all requests.
#[derive(Default)]
pub struct Realism {
    /// Current knob values.
    pub knobs: Mutex<Knobs>,
    /// The request log.
    pub stats: Mutex<Stats>,
    buckets: Mutex<HashMap<(Service, String), Bucket>>,
}

impl Realism {
    /// Realism starting from the given knobs.
    pub fn new(knobs: Knobs) -> Self {
        Realism {
            knobs: Mutex::new(knobs),
            ..Default::default()
        }
    }

    /// Takes one token from a bucket; false when empty.
    fn admit(&self, service: Service, key: String, rate: f64) -> bool {
        if rate <= 0.0 {
            return true;
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let b = buckets.entry((service, key)).or_insert(Bucket {
            tokens: rate.max(1.0),
            last: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * rate).min(rate.max(1.0));
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// What an incoming request is, for the request log and the knobs.
pub fn classify(req: &Request) -> Option<(Service, String)> {
    let path = req.uri().path();
    let post = req.method() == axum::http::Method::POST;
    let get = req.method() == axum::http::Method::GET;
    let op = |s: Service, n: &str| Some((s, n.to_owned()));
    match path {
        "/client/register" if post => op(Service::Oidc, "RegisterClient"),
        "/device_authorization" if post => op(Service::Oidc, "StartDeviceAuthorization"),
        "/token" if post => op(Service::Oidc, "CreateToken"),
        "/assignment/accounts" if get => op(Service::Portal, "ListAccounts"),
        "/assignment/roles" if get => op(Service::Portal, "ListAccountRoles"),
        "/federation/credentials" if get => op(Service::Portal, "GetRoleCredentials"),
        "/logout" if post => op(Service::Portal, "Logout"),
        "/" if post
            && req
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded")) =>
        {
            // STS's query protocol; GetCallerIdentity is the one action served.
            op(Service::Sts, "GetCallerIdentity")
        }
        "/" if post => {
            let target = req
                .headers()
                .get("x-amz-target")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let name = target
                .strip_prefix("CodeCommit_20150413.")
                .unwrap_or("UnknownOperation");
            op(Service::CodeCommit, name)
        }
        _ => None,
    }
}

/// The middleware: log, delay, throttle, inject faults, slow the body.
pub async fn apply(State(app): State<Arc<crate::http::App>>, req: Request, next: Next) -> Response {
    let Some((service, op)) = classify(&req) else {
        return next.run(req).await;
    };
    let realism = &app.realism;
    let knobs = realism
        .knobs
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let service_name = format!("{service:?}");
    realism
        .stats
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .record(&op, &service_name, crate::state::now() as u64);

    let (rate, key) = match service {
        Service::Portal => {
            // One bucket per Identity Center instance, shared by every portal call.
            let token = req
                .headers()
                .get("x-amz-sso_bearer_token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            (
                knobs.portal_tps,
                app.state.instance_of_token(token).unwrap_or(0).to_string(),
            )
        }
        Service::Oidc => (knobs.oidc_tps, String::new()),
        Service::CodeCommit => (knobs.codecommit_tps, String::new()),
        Service::Sts => (0.0, String::new()),
    };
    if !realism.admit(service, key, rate) {
        realism
            .stats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .throttled += 1;
        return AwsError::throttled(service).into_response();
    }

    let delay = knobs.latency_ms
        + if knobs.jitter_ms > 0 {
            rand::rng().random_range(0..=knobs.jitter_ms)
        } else {
            0
        };
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let (fault, reset) = {
        let mut rng = rand::rng();
        (
            rng.random::<f64>() < knobs.fault_rate,
            rng.random::<f64>() < knobs.reset_rate,
        )
    };
    if fault {
        realism
            .stats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .faults += 1;
        return AwsError::fault(service).into_response();
    }
    let resp = next.run(req).await;
    if reset {
        realism
            .stats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .faults += 1;
        // Headers go out, then the body errors: hyper aborts the connection mid-response,
        // which clients see as a reset/incomplete read.
        let (mut parts, _) = resp.into_parts();
        parts.headers.remove("content-length");
        return Response::from_parts(parts, Body::new(Aborted));
    }
    if knobs.slow_body_ms > 0 {
        let (mut parts, body) = resp.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        parts.headers.remove("content-length");
        return Response::from_parts(
            parts,
            Body::new(Slow {
                data: bytes,
                delay: Duration::from_millis(knobs.slow_body_ms),
                sleep: None,
            }),
        );
    }
    resp
}

/// A body that fails at once.
struct Aborted;

impl http_body::Body for Aborted {
    type Data = Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected reset",
        ))))
    }
}

/// A body released in 64-byte chunks with a pause before each.
struct Slow {
    data: Bytes,
    delay: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl http_body::Body for Slow {
    type Data = Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        if self.data.is_empty() {
            return Poll::Ready(None);
        }
        let delay = self.delay;
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(delay)));
        if sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.sleep = None;
        let n = self.data.len().min(64);
        let chunk = self.data.split_to(n);
        Poll::Ready(Some(Ok(http_body::Frame::data(chunk))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_admits_burst_then_refuses() {
        let r = Realism::default();
        let admitted = (0..50)
            .filter(|_| r.admit(Service::Portal, "0".into(), 20.0))
            .count();
        assert!((20..=21).contains(&admitted), "{admitted}");
        assert!(
            r.admit(Service::Portal, "1".into(), 20.0),
            "buckets are per key"
        );
        assert!(
            (0..1000).all(|_| r.admit(Service::Oidc, String::new(), 0.0)),
            "0 = unlimited"
        );
    }

    #[test]
    fn stats_track_peak_per_second() {
        let mut s = Stats::default();
        // Portal: 3 requests in second 100, 5 in 101, 2 in 102; OIDC: 4 in second 101.
        for (second, n) in [(100, 3), (101, 5), (102, 2)] {
            for _ in 0..n {
                s.record("ListAccounts", "Portal", second);
            }
        }
        for _ in 0..4 {
            s.record("CreateToken", "OIDC", 101);
        }
        assert_eq!(s.peak_tps["Portal"], 5);
        assert_eq!(s.peak_tps["OIDC"], 4, "each service has its own count");
        assert_eq!(s.requests["ListAccounts"], 10);
        assert_eq!(s.total, 14);
    }

    #[test]
    fn knobs_patch_sets_only_given_fields() {
        let mut k = Knobs {
            portal_tps: 20.0,
            ..Default::default()
        };
        k.apply(serde_json::from_str(r#"{"latencyMs": 120}"#).unwrap());
        assert_eq!((k.latency_ms, k.portal_tps), (120, 20.0));
        assert!(serde_json::from_str::<KnobsPatch>(r#"{"bogus": 1}"#).is_err());
    }
}
