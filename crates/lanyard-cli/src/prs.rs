//! `lanyard prs` and `lanyard pr show|approve|merge`.

use anyhow::bail;
use lanyard_core::Error;
use lanyard_core::Lanyard;
use lanyard_core::codecommit::prs::{self, Concern, Inbox, PullRequest, Strategy};

/// Every identity's inbox: revalidated, or (`cached`) as last seen without a call.
async fn inboxes(svc: &Lanyard, session: Option<&str>, cached: bool) -> anyhow::Result<Vec<Inbox>> {
    let mut out = vec![];
    for identity in crate::repos::identities(svc.ctx(), session)? {
        if cached {
            out.extend(prs::cached(svc.ctx(), &identity.session));
            continue;
        }
        match svc.pull_requests(&identity).await {
            Ok((inbox, stats)) => {
                tracing::debug!(
                    "{}: {} repositories, {} pull requests fetched, {} evaluated",
                    identity.session,
                    stats.repositories,
                    stats.fetched,
                    stats.evaluated
                );
                out.push(inbox);
            }
            // With every identity, one that is signed out is skipped, not fatal.
            Err(e @ (Error::NotSignedIn { .. } | Error::SessionExpired { .. }))
                if session.is_none() =>
            {
                eprintln!("skipping {}: {e}", identity.session);
                if let Some(old) = prs::cached(svc.ctx(), &identity.session) {
                    out.push(old);
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

/// "3 h", "2 d": how long ago an RFC 3339 time was.
fn age(rfc3339: &str, now: time::OffsetDateTime) -> String {
    let Ok(t) =
        time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
    else {
        return "-".into();
    };
    let mins = (now - t).whole_minutes().max(0);
    match mins {
        0..60 => format!("{mins} min"),
        60..2880 => format!("{} h", mins / 60),
        _ => format!("{} d", mins / 1440),
    }
}

fn one_line(s: &str, max: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() > max {
        format!("{}…", flat.chars().take(max - 1).collect::<String>())
    } else {
        flat
    }
}

pub async fn list(
    svc: &Lanyard,
    session: Option<&str>,
    all: bool,
    cached: bool,
    json: bool,
) -> anyhow::Result<()> {
    let boxes = inboxes(svc, session, cached).await?;
    let mut list: Vec<PullRequest> = boxes
        .iter()
        .flat_map(|b| b.pull_requests.iter().cloned())
        .filter(|p| all || p.concern != Concern::Other)
        .collect();
    prs::sort(&mut list);
    if json {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    let now = (svc.ctx().clock)();
    let heading = |c: Concern| match c {
        Concern::Awaiting => "AWAITING YOUR APPROVAL",
        Concern::Mine => "YOURS",
        Concern::ApprovedByMe => "APPROVED BY YOU",
        Concern::Other => "OTHERS",
    };
    let mut current = None;
    for p in &list {
        if current != Some(p.concern) {
            current = Some(p.concern);
            println!("\n{}", heading(p.concern));
            println!(
                "  {:<36} {:<44} {:<14} {:>6} {:>8}  APPROVALS",
                "PULL REQUEST", "TITLE", "AUTHOR", "AGE", "ACTIVE"
            );
        }
        let state = match (p.concern, p.can_merge) {
            (Concern::Mine, Some(true)) => "  · can merge",
            (Concern::Mine, Some(false)) if p.approved => "  · conflicts",
            _ => "",
        };
        println!(
            "  {:<36} {:<44} {:<14} {:>6} {:>8}  {}/{}{state}",
            one_line(&prs::label(p), 36),
            one_line(&p.title, 44),
            one_line(&p.author, 14),
            age(&p.created, now),
            age(&p.last_activity, now),
            p.approvals,
            p.approvals_needed,
        );
    }
    let waiting = list
        .iter()
        .filter(|p| p.concern == Concern::Awaiting)
        .count();
    // What could not be read is said, not hidden: a missing pull request would look like none.
    let unread: Vec<_> = boxes.iter().flat_map(|b| &b.notes).collect();
    for n in unread.iter().take(5) {
        eprintln!(
            "note: {} {}: {}",
            n.account_name,
            n.region.as_deref().unwrap_or(""),
            one_line(&n.detail, 160)
        );
    }
    let notes = match unread.len() {
        0 => String::new(),
        n => format!("; {n} repositories or accounts could not be read"),
    };
    eprintln!(
        "\n{waiting} awaiting your approval, {} shown{}{notes}",
        list.len(),
        if all {
            ""
        } else {
            " (--all: every open pull request you can read)"
        }
    );
    Ok(())
}

/// The pull request a target names, from the inboxes as last revalidated (revalidated first
/// when there is none yet).
async fn locate(svc: &Lanyard, target: &str) -> anyhow::Result<PullRequest> {
    let mut boxes = inboxes(svc, None, true).await?;
    if boxes.is_empty() || prs::find(&boxes, target).is_err() {
        boxes = inboxes(svc, None, false).await?;
    }
    Ok(prs::find(&boxes, target)?.clone())
}

pub async fn show(svc: &Lanyard, target: &str, json: bool) -> anyhow::Result<()> {
    let p = locate(svc, target).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&p)?);
        return Ok(());
    }
    let now = (svc.ctx().clock)();
    println!("{}  {}", prs::label(&p), one_line(&p.title, 120));
    println!(
        "  {} → {}   in {} ({}), {}",
        p.source_ref.trim_start_matches("refs/heads/"),
        p.destination_ref.trim_start_matches("refs/heads/"),
        p.account_name,
        p.account_id,
        p.region
    );
    println!(
        "  by {}, opened {} ago, last activity {} ago",
        p.author,
        age(&p.created, now),
        age(&p.last_activity, now)
    );
    let rules = if p.rules_not_satisfied.is_empty() {
        if p.approvals_needed == 0 {
            "no approval rules".to_owned()
        } else {
            "rules satisfied".to_owned()
        }
    } else {
        format!("waiting on: {}", p.rules_not_satisfied.join(", "))
    };
    println!(
        "  approvals {}/{} ({rules}){}",
        p.approvals,
        p.approvals_needed,
        if p.approved_by_me {
            "; you approved it"
        } else {
            ""
        }
    );
    if let Some(d) = p.description.as_deref().filter(|d| !d.trim().is_empty()) {
        println!();
        for line in d.lines() {
            println!("  {}", one_line(line, 200));
        }
    }
    Ok(())
}

pub async fn approve(svc: &Lanyard, target: &str, revoke: bool) -> anyhow::Result<()> {
    let p = locate(svc, target).await?;
    svc.approve_pull_request(&p, revoke).await?;
    // The inbox follows at once: the pull request leaves (or rejoins) "awaiting".
    let identity = svc.identity(&p.session)?;
    svc.pull_requests(&identity).await?;
    if revoke {
        eprintln!("Revoked your approval of {}.", prs::label(&p));
    } else {
        eprintln!("Approved {} ({}).", prs::label(&p), one_line(&p.title, 60));
    }
    Ok(())
}

pub async fn merge(svc: &Lanyard, target: &str, strategy: Strategy) -> anyhow::Result<()> {
    let p = locate(svc, target).await?;
    let tip = svc.merge_pull_request(&p, strategy).await?;
    let identity = svc.identity(&p.session)?;
    svc.pull_requests(&identity).await?;
    eprintln!(
        "Merged {} into {} (now at {}).",
        prs::label(&p),
        p.destination_ref.trim_start_matches("refs/heads/"),
        tip.get(..12).unwrap_or(&tip)
    );
    Ok(())
}

pub async fn checkout(
    svc: &Lanyard,
    target: &str,
    dest: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let p = locate(svc, target).await?;
    let dir = dest.unwrap_or_else(|| {
        lanyard_core::codecommit::clone::default_dest(
            &crate::repos::clone_root(svc),
            &p.account_name,
            &p.account_id,
            &p.repository,
        )
    });
    let identity = svc.identity(&p.session)?;
    let path = crate::env("PATH");
    let clone = |req| crate::repos::clone_as(svc, &identity, req);
    let (done, cloned) = svc
        .checkout_pull_request(&p, &dir, path.as_deref(), clone)
        .await?;
    if let Some(report) = cloned {
        eprintln!("Cloned {} into {}.", p.repository, report.path);
    }
    println!(
        "{}: on branch {} at {} in {}",
        prs::label(&p),
        done.branch,
        done.commit.get(..12).unwrap_or(&done.commit),
        done.path
    );
    if done.moved {
        eprintln!(
            "note: the branch has moved since Lanyard last looked; `lanyard prs` shows the new revision"
        );
    }
    Ok(())
}

pub async fn open(svc: &Lanyard, target: &str, print: bool) -> anyhow::Result<()> {
    let p = locate(svc, target).await?;
    if !print && !crate::browser_available() {
        bail!(
            "no browser can be shown here (no display, or over SSH): run `lanyard pr open {target} --print` and open the URL in a browser"
        );
    }
    let url = svc.pull_request_console_url(&p).await?;
    if print {
        println!("{}", url.expose());
        return Ok(());
    }
    let open = |u: &str| webbrowser::open(u).is_ok();
    lanyard_core::console::open_once(
        &prs::label(&p),
        &url,
        &open,
        std::time::Duration::from_secs(60),
    )
    .await?;
    eprintln!(
        "Opened {} in the AWS console as {}.",
        prs::label(&p),
        p.role_name
    );
    Ok(())
}
