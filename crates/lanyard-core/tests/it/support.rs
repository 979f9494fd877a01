use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

use lanyard_core::Paths;
use lanyard_core::secret::{MemoryStore, SecretStore};
use lanyard_core::sso::{Endpoints, Identity, LoginStep, SsoContext};
use lanyard_emulator::{Config, Emulator, World};

pub struct Env {
    pub emu: Emulator,
    pub _home: tempfile::TempDir,
    pub ctx: SsoContext,
    pub secrets: Arc<MemoryStore>,
}

pub async fn env_with(config: Config) -> Env {
    let emu = Emulator::start(config).await.expect("emulator");
    let home = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let endpoints = Endpoints {
        oidc: Some(emu.http_url.clone()),
        portal: Some(emu.http_url.clone()),
        codecommit: Some(emu.http_url.clone()),
        sts: Some(emu.http_url.clone()),
        ca_bundle: Some(emu.ca_file.clone()),
        ..Default::default()
    };
    let ctx = SsoContext::new(
        Paths::sandboxed(home.path()),
        endpoints,
        secrets.clone() as Arc<dyn SecretStore>,
    );
    Env {
        emu,
        _home: home,
        ctx,
        secrets,
    }
}

pub async fn env() -> Env {
    let mut c = Config::new(World::demo());
    c.knobs.portal_tps = 0.0;
    env_with(c).await
}

pub fn acme(session: &str) -> Identity {
    Identity {
        session: session.into(),
        start_url: "https://acme.awsapps.com/start".into(),
        region: "us-east-1".into(),
        scopes: vec![],
        managed: true,
    }
}

/// Records steps; approves (or denies) device codes through the emulator as a person would.
pub struct Person {
    pub steps: Mutex<Vec<LoginStep>>,
    pub decision: Option<&'static str>,
}

impl Person {
    pub fn approving(user: &'static str) -> Arc<Person> {
        Arc::new(Person {
            steps: Mutex::new(vec![]),
            decision: Some(user),
        })
    }
    pub fn denying() -> Arc<Person> {
        Arc::new(Person {
            steps: Mutex::new(vec![]),
            decision: None,
        })
    }
    pub fn passive() -> Arc<Person> {
        Arc::new(Person {
            steps: Mutex::new(vec![]),
            decision: Some(""),
        })
    }
}

/// A blocking HTTP GET on loopback: returns (status, Location header).
pub fn http_get(url: &str) -> (u16, Option<String>) {
    let u = url::Url::parse(url).unwrap();
    let mut s = TcpStream::connect((u.host_str().unwrap(), u.port().unwrap())).unwrap();
    let path = match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_owned(),
    };
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        u.host_str().unwrap()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp.split_whitespace().nth(1).unwrap().parse().unwrap();
    let location = resp
        .lines()
        .find_map(|l| {
            l.strip_prefix("location: ")
                .or_else(|| l.strip_prefix("Location: "))
        })
        .map(str::to_owned);
    (status, location)
}

/// A browser that follows the authorize page's redirect back to the loopback listener.
pub fn follow_redirect(url: &str) -> bool {
    let url = url.to_owned();
    std::thread::spawn(move || {
        let (status, location) = http_get(&url);
        assert_eq!(status, 303, "the emulator redirects after auto-approval");
        http_get(&location.unwrap());
    });
    true
}

/// Signs in with the device flow, `person` approving (or denying) the code as a user would.
pub async fn device_login(
    env: &Env,
    identity: &Identity,
    person: Arc<Person>,
    opts: lanyard_core::sso::LoginOptions,
) -> lanyard_core::Result<lanyard_core::sso::SignedIn> {
    let state = env.emu.app.clone();
    let p = person.clone();
    let step = move |s: LoginStep| {
        if let (LoginStep::DeviceCode { user_code, .. }, Some(user)) = (&s, p.decision) {
            if !user.is_empty() {
                state.state.decide_device(user_code, Some(user)).unwrap();
            }
        } else if let (LoginStep::DeviceCode { user_code, .. }, None) = (&s, p.decision) {
            state.state.decide_device(user_code, None).unwrap();
        }
        p.steps.lock().unwrap().push(s);
    };
    let ui = lanyard_core::sso::LoginUi {
        open: &|_| false,
        step: &step,
    };
    lanyard_core::sso::login(
        &env.ctx,
        identity,
        &lanyard_core::sso::LoginOptions {
            method: lanyard_core::sso::LoginMethod::DeviceCode,
            ..opts
        },
        &ui,
        &tokio_util::sync::CancellationToken::new(),
    )
    .await
}

/// How many `op` requests the emulator has served.
pub fn requests(env: &Env, op: &str) -> u64 {
    env.emu
        .app
        .realism
        .stats
        .lock()
        .unwrap()
        .requests
        .get(op)
        .copied()
        .unwrap_or(0)
}
