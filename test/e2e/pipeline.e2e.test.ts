/**
 * The pipeline end to end on `npm start`'s runtime, driven only over HTTP:
 * capture leads, read the emails from the outbox, open the links (nothing
 * changes), post the answers, and follow each lead to its end: renewed
 * customer, lost, nurture, disqualified. Time scale 60 with a 60 s check-in
 * interval, so check-ins come a second apart.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { API_KEY, REPO, TEAM, answerLink, lead, statesEntered, submit, type OutboxMail, stackForFile } from './harness';

const run = Date.now().toString(36);

const stack = stackForFile({ timeScale: 60, settings: { checkInIntervalSeconds: 60, maxCheckIns: 2 } });

const about = (company: string) => (m: OutboxMail) => m.subject.includes(`(${company})`) || m.subject.includes(`, ${company} `) || m.subject.includes(`: ${company} `);

describe('HTTP API', () => {
  it('rejects a missing or wrong key, names bad fields, and is idempotent for a duplicate submit', async () => {
    const noKey = await fetch(`${stack().appUrl}/leads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(noKey.status).toBe(401);
    expect((await stack().postLead(lead(`k-${run}`, 'Keyless'), 'wrong-key-0123456789abcdef')).status).toBe(401);
    const bad = await stack().postLead({ name: 'X', email: 'not-an-email', company: 'Y', consent: true, pagesViewed: -1 });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(['email', 'pagesViewed']);
    const first = await stack().postLead(lead(`dup-${run}`, `Dup ${run}`, { budget: 'none' }));
    const again = await stack().postLead(lead(`dup-${run}`, `Dup ${run}`, { budget: 'none' }));
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, executionArn: first.body.executionArn });
    const funnel = await fetch(`${stack().appUrl}/funnel`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(funnel.status).toBe(200);
    expect((await fetch(`${stack().appUrl}/funnel`)).status).toBe(401);
  }, 60_000);
});

describe('a lead through every stage to a renewed customer', () => {
  const id = `happy-${run}`;
  const company = `Happy Path ${run}`;
  const is = about(company);

  it('captures, qualifies, meets, closes, onboards, checks in and renews, with feedback upstream at each hand-off', async () => {
    const captured = await stack().postLead(lead(id, company));
    expect(captured.status).toBe(201);
    const executionArn = String(captured.body.executionArn);

    // Inside Sales: the qualification call request, one link per answer.
    const call = await stack().mail('qualification call', (m) => is(m) && m.subject.startsWith('Qualification call'));
    expect(TEAM.insideSales).toContain(call.to[0]);
    expect(call.links).toHaveLength(3);
    await stack().until(id, 'waiting for the call', (e) => e.currentState === 'Await qualification call' && e.stage === 'qualifying');

    // Opening a link (as a mail scanner or a person would) shows the form and changes nothing.
    const before = await stack().history(executionArn);
    const page = await fetch(answerLink(call, 'book-meeting'));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<form method="post">');
    expect(html).toContain(company);
    expect(await stack().history(executionArn)).toHaveLength(before.length);
    expect((await stack().execution(id))?.currentState).toBe('Await qualification call');

    // A bad answer is refused and changes nothing; the real one is recorded once.
    expect((await submit(answerLink(call, 'book-meeting'), { answer: 'maybe' })).status).toBe(400);
    const booked = await submit(answerLink(call, 'book-meeting'), {
      answer: 'book-meeting',
      'rating.campaign-reaction': '5',
      'rating.lead-fit': '4',
      moreOf: 'Launch webinars',
      comment: 'Loved the launch webinar',
    });
    expect(booked.status).toBe(200);
    const twice = await submit(answerLink(call, 'book-meeting'), { answer: 'nurture', reasonCode: 'bad-timing' });
    expect(twice.status).toBe(409);

    // Marketing hears how the lead responded; Field Sales gets ONE email: the hand-off brief with the meeting-outcome links.
    // (Rated 5 and 4, nothing flagged: it goes to Marketing's digest and the console, not in an email at once.)
    const meeting = await stack().mail('meeting outcome request with the hand-off brief', (m) => is(m) && m.subject.startsWith('Meeting outcome'));
    expect(TEAM.fieldSales).toContain(meeting.to[0]);
    expect(meeting.subject).toContain('new meeting, hand-off brief inside');
    expect(meeting.text).toContain('Loved the launch webinar');
    expect(meeting.links.map((l) => new URL(l).searchParams.get('answer'))).toEqual(['held-proceed', 'no-fit', 'no-show']);
    await stack().until(id, 'in meeting', (e) => e.stage === 'meeting' && e.currentState === 'Await meeting outcome');
    expect(await stack().mails((m) => is(m) && m.subject.startsWith('Feedback from Inside Sales'))).toEqual([]);
    expect(await (await fetch(`${stack().appUrl}/team-feedback`)).text()).toContain('Loved the launch webinar');

    expect((await submit(answerLink(meeting, 'held-proceed'), { answer: 'held-proceed', 'rating.budget-accuracy': '2', missing: 'The real budget owner' })).status).toBe(200);
    const toInsideSales = await stack().mail('feedback to Inside Sales', (m) => is(m) && m.subject.startsWith('Feedback from Field Sales'));
    expect(toInsideSales.to).toEqual([TEAM.insideSalesLead]);
    expect(toInsideSales.text).toContain('The real budget owner');

    const deal = await stack().mail('deal decision request', (m) => is(m) && m.subject.startsWith('Deal decision'));
    await stack().until(id, 'negotiating', (e) => e.stage === 'negotiating');
    expect((await submit(answerLink(deal, 'won'), { answer: 'won', amount: '120000', currency: 'EUR', promises: 'SSO by Q3' })).status).toBe(200);

    // Customer Success gets ONE email: the onboarding brief with what was promised, and the review links.
    const review = await stack().mail('onboarding review request with the brief', (m) => is(m) && m.subject.startsWith('Onboarding review'));
    expect(TEAM.customerSuccess).toContain(review.to[0]);
    expect(review.text).toContain('SSO by Q3');
    await stack().until(id, 'onboarding', (e) => e.stage === 'onboarding');
    expect(
      (await submit(answerLink(review, 'on-track'), { answer: 'on-track', 'rating.expectations-set-right': '3', 'rating.message-match': '4', difficulties: 'Importing legacy data', unkeptPromises: 'None yet' })).status,
    ).toBe(200);
    const fromCs = await stack().mail('feedback from Customer Success to Field Sales', (m) => is(m) && m.subject.startsWith('Feedback from Customer Success') && m.to.includes(TEAM.fieldSalesLead));
    expect(fromCs.text).toContain('None yet');
    const fromCsToMarketing = await stack().mail('feedback from Customer Success to Marketing', (m) => is(m) && m.subject.startsWith('Feedback from Customer Success') && m.to.includes(TEAM.marketingLead));
    expect(fromCsToMarketing.text).toContain('Importing legacy data');

    // Check-ins (60 s apart at x60): two healthy ones, the last one saying the renewal is due.
    for (let n = 1; n <= 2; n += 1) {
      const checkIn = await stack().nthMail(`check-in ${n}`, (m) => is(m) && m.subject.startsWith('Customer check-in'), n);
      expect(checkIn.subject.endsWith('last check-in, renewal due'), checkIn.subject).toBe(n === 2);
      await stack().until(id, 'customer', (e) => e.stage === 'customer' && e.currentState === 'Check in with customer');
      expect((await submit(answerLink(checkIn, 'healthy'), { answer: 'healthy', 'rating.health': '5' })).status).toBe(200);
    }
    const done = await stack().until(id, 'renewed', (e) => e.status !== 'RUNNING', 20_000);
    expect(done).toMatchObject({ status: 'SUCCEEDED', stage: 'renewed' });
    // No separate brief or renewal emails: the hand-offs travel in the requests.
    const subjects = (await stack().mails(is)).map((m) => m.subject);
    expect(subjects.filter((s) => /^(New meeting|New customer to onboard|Renewal due)/.test(s))).toEqual([]);

    // The execution, read through the Step Functions API.
    const sfn = stack().sfn();
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    sfn.destroy();
    expect(described).toMatchObject({ name: id, status: 'SUCCEEDED' });
    const history = await stack().history(executionArn);
    expect(history[0]?.type).toBe('ExecutionStarted');
    expect(history[history.length - 1]?.type).toBe('ExecutionSucceeded');
    const path = statesEntered(history);
    const expected = [
      'Qualify lead', 'Route qualified lead', 'Await qualification call', 'Share feedback with Marketing', 'Qualification call outcome',
      'Schedule meeting', 'Await meeting outcome', 'Share feedback with Inside Sales', 'Meeting outcome', 'Await deal decision', 'Close deal',
      'Onboard customer', 'Await onboarding review', 'Share feedback with Marketing and Field Sales', 'Onboarding outcome',
      'Wait for next check-in', 'Check in with customer', 'Check-in outcome', 'Wait for next check-in', 'Check in with customer', 'Check-in outcome',
      'Renew customer', 'Customer renewed',
    ];
    // In this order (Choice states between them may differ), each once per visit.
    let at = 0;
    for (const state of expected) {
      const found = path.indexOf(state, at);
      expect(found, `${state} after position ${at} in ${path.join(' > ')}`).toBeGreaterThanOrEqual(at);
      at = found + 1;
    }
    expect(path.filter((s) => s === 'Await qualification call')).toHaveLength(1);
    expect(history.some((e) => e.type === 'TaskTimedOut')).toBe(false);
    // The console's execution page: the graph with the path, the lead's stage changes.
    const pageHtml = await (await fetch(`${stack().appUrl}/executions/${id}`)).text();
    expect(pageHtml).toContain('<g class="node node-terminal visited" data-state="Customer renewed">');
    const stageTable = pageHtml.slice(pageHtml.indexOf('<table class="stage-events">'), pageHtml.indexOf('</table>', pageHtml.indexOf('<table class="stage-events">')));
    const stagesSeen = [...stageTable.matchAll(/<tr data-to="([a-z-]+)">/g)].map((m) => m[1]);
    expect(stagesSeen).toEqual(['captured', 'qualifying', 'meeting', 'negotiating', 'onboarding', 'customer', 'renewed']);
    // No token, address or lead data in the history the console shows.
    const text = JSON.stringify(history);
    expect(text).not.toContain(`${id}@example.org`);
  }, 120_000);
});

describe('paths back to Marketing', () => {
  it('a lost deal returns to Marketing with the reason', async () => {
    const id = `lost-${run}`;
    const company = `Lost Deal ${run}`;
    const is = about(company);
    expect((await stack().postLead(lead(id, company))).status).toBe(201);
    const call = await stack().mail('call', (m) => is(m) && m.subject.startsWith('Qualification call'));
    expect((await submit(answerLink(call, 'book-meeting'), { answer: 'book-meeting' })).status).toBe(200);
    const meeting = await stack().mail('meeting', (m) => is(m) && m.subject.startsWith('Meeting outcome'));
    expect((await submit(answerLink(meeting, 'held-proceed'), { answer: 'held-proceed' })).status).toBe(200);
    const deal = await stack().mail('deal', (m) => is(m) && m.subject.startsWith('Deal decision'));
    expect((await submit(answerLink(deal, 'lost'), { answer: 'lost' })).status).toBe(400); // the reason is required
    expect((await submit(answerLink(deal, 'lost'), { answer: 'lost', reasonCode: 'price', comment: 'Chose a cheaper tool' })).status).toBe(200);
    const done = await stack().until(id, 'ended', (e) => e.status !== 'RUNNING');
    expect(done).toMatchObject({ status: 'SUCCEEDED', stage: 'lost' });
    const notice = await stack().mail('lost notice', (m) => is(m) && m.subject.startsWith('Lead lost'));
    expect(notice.to).toContain(TEAM.marketingLead);
    expect(statesEntered(await stack().history(done.executionArn)).slice(-2)).toEqual(['Return lead to Marketing', 'Lead returned to Marketing']);
  }, 60_000);

  it('Inside Sales returns a lead to nurture, and scoring nurtures a lead without budget', async () => {
    const id = `nurture-${run}`;
    const company = `Nurture Call ${run}`;
    const is = about(company);
    expect((await stack().postLead(lead(id, company))).status).toBe(201);
    const call = await stack().mail('call', (m) => is(m) && m.subject.startsWith('Qualification call'));
    expect((await submit(answerLink(call, 'nurture'), { answer: 'nurture', reasonCode: 'bad-timing', 'rating.content-relevance': '2', comment: 'Content too technical' })).status).toBe(200);
    const done = await stack().until(id, 'ended', (e) => e.status !== 'RUNNING');
    expect(done).toMatchObject({ status: 'SUCCEEDED', stage: 'nurture' });
    const feedback = await stack().mail('feedback to Marketing', (m) => is(m) && m.subject.startsWith('Feedback from Inside Sales'));
    expect(feedback.text).toContain('Content too technical');
    await stack().mail('nurture notice', (m) => is(m) && m.subject.startsWith('Lead returned to nurture'));

    const cold = `cold-${run}`;
    expect((await stack().postLead(lead(cold, `Cold ${run}`, { budget: 'none' }))).status).toBe(201);
    const coldDone = await stack().until(cold, 'ended', (e) => e.status !== 'RUNNING');
    expect(coldDone).toMatchObject({ status: 'SUCCEEDED', stage: 'nurture' });
    expect(statesEntered(await stack().history(coldDone.executionArn))).not.toContain('Await qualification call');
  }, 60_000);

  it('Inside Sales disqualifies a lead, and scoring disqualifies one without consent', async () => {
    const id = `disq-${run}`;
    const company = `Disqualified ${run}`;
    const is = about(company);
    expect((await stack().postLead(lead(id, company))).status).toBe(201);
    const call = await stack().mail('call', (m) => is(m) && m.subject.startsWith('Qualification call'));
    expect((await submit(answerLink(call, 'disqualify'), { answer: 'disqualify', reasonCode: 'no-need' })).status).toBe(200);
    expect(await stack().until(id, 'ended', (e) => e.status !== 'RUNNING')).toMatchObject({ status: 'SUCCEEDED', stage: 'disqualified' });
    await stack().mail('disqualified notice', (m) => is(m) && m.subject.startsWith('Lead disqualified'));

    const noConsent = `nocon-${run}`;
    expect((await stack().postLead(lead(noConsent, `No Consent ${run}`, { consent: false }))).status).toBe(201);
    expect(await stack().until(noConsent, 'ended', (e) => e.status !== 'RUNNING')).toMatchObject({ status: 'SUCCEEDED', stage: 'disqualified' });
  }, 60_000);
});

describe('console and local JSON', () => {
  it('lists executions with filters and renders the pages', async () => {
    const running = await stack().getJson<{ status: string }[]>('/local/executions?status=SUCCEEDED');
    expect(running.length).toBeGreaterThan(0);
    expect(running.every((e) => e.status === 'SUCCEEDED')).toBe(true);
    // Each page by its own title, not just a 200 (an error page rendered with 200 would pass that).
    const pages: [string, string][] = [
      ['/', 'Executions'],
      ['/?status=RUNNING&stage=qualifying', 'Executions'],
      ['/stages', 'Leads by stage'],
      ['/funnel-view', 'Funnel'],
      ['/team-feedback', 'Feedback'],
      ['/outbox', 'Outbox'],
    ];
    for (const [path, title] of pages) {
      const res = await fetch(`${stack().appUrl}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text(), path).toContain(`<title>${title} · The Model pipeline (local)</title>`);
    }
    const feedback = await (await fetch(`${stack().appUrl}/team-feedback`)).text();
    expect(feedback).toContain('Content too technical');
    expect((await fetch(`${stack().appUrl}/executions/nope-${run}`)).status).toBe(404);
    const badFilter = await fetch(`${stack().appUrl}/local/executions?status=SOMETIMES`);
    expect(badFilter.status).toBe(400);
    expect(await badFilter.json()).toMatchObject({ field: 'status' });
  }, 60_000);
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', 'local/cli.ts', ...args, '--url', stack().appUrl, '--key', API_KEY], { cwd: REPO, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      done({ code, stdout, stderr });
    });
  });
}

describe('CLI', () => {
  it('adds leads from flags and from a CSV file (bad rows reported by line), lists them and answers a request', async () => {
    const id = `cli-${run}`;
    const added = await cli(['add', '--id', id, '--name', 'Cli Person', '--email', `${id}@example.org`, '--company', `Cli Co ${run}`, '--title', 'CTO', '--company-size', '300', '--industry', 'Software', '--budget', 'approved', '--timeline', 'immediate', '--source', 'referral', '--pages-viewed', '20', '--events-attended', '1']);
    expect(added.stdout).toContain(`Added: lead ${id}`);
    expect(added.code).toBe(0);

    const csv = join(stack().dataDir, 'leads.csv');
    writeFileSync(
      csv,
      [
        'id,name,email,company,title,companySize,industry,budget,timeline,source,pagesViewed,eventsAttended,consent',
        `csv1-${run},Ann One,csv1-${run}@example.org,"Csv One, Inc.",VP Sales,250,Software,approved,1-3-months,demo-request,12,1,yes`,
        `csv2-${run},Bo Two,not-an-email,Csv Two,CEO,80,Software,planned,immediate,referral,3,0,true`,
        `csv3-${run},Cy Three,csv3-${run}@example.org,Csv Three,Head of IT,1200,SaaS,approved,immediate,webinar,many,0,true`,
        `csv4-${run},Di Four,csv4-${run}@example.org,Csv Four,Student,10,Education,none,unknown,other,1,0,true`,
      ].join('\n'),
    );
    const imported = await cli(['import', csv]);
    expect(imported.code).toBe(1); // some rows were skipped
    expect(imported.stdout).toContain('Added 2 lead(s), skipped 2 row(s).');
    expect(imported.stdout).toContain('line 3: email: must be an email address');
    expect(imported.stdout).toContain('line 4: pagesViewed: must be a whole number');
    expect(imported.stderr).toContain('4/4 rows, 2 bad');
    await stack().until(`csv1-${run}`, 'qualified', (e) => e.currentState === 'Await qualification call');
    await stack().until(`csv4-${run}`, 'disqualified', (e) => e.stage === 'disqualified');

    await stack().until(id, 'waiting for the call', (e) => e.currentState === 'Await qualification call');
    const listed = await cli(['list', '--stage', 'qualifying']);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain(`csv1-${run}`);
    const pending = await cli(['pending', '--lead', id]);
    expect(pending.stdout).toContain('qualification-call');
    expect(pending.stdout).toContain('book-meeting|nurture|disqualify');

    const wrong = await cli(['answer', id, 'maybe']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('Not recorded (HTTP 400)');
    const answered = await cli(['answer', id, 'book-meeting', '--rating', 'campaign-reaction=2', '--comment', 'Answered from the terminal']);
    expect(answered.stdout).toContain(`Recorded qualification-call = book-meeting for lead ${id}.`);
    await stack().until(id, 'in meeting', (e) => e.currentState === 'Await meeting outcome');
    const feedback = await stack().mail('feedback to Marketing', (m) => m.subject.startsWith('Feedback from Inside Sales') && m.subject.includes(`Cli Co ${run}`));
    expect(feedback.text).toContain('Answered from the terminal');
  }, 120_000);
});
