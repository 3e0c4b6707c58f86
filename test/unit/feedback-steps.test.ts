import { describe, expect, it } from 'vitest';
import { FEEDBACK_STEPS } from '#lib/core/contracts';
import { renderEmail } from '#lib/mail/layout';
import { ValidationError } from '#lib/core/errors';
import { FEEDBACK_STEP_DEFINITIONS, MAX_TEXT, allowedAnswers, feedbackFor, parseFeedbackForm } from '#lib/feedback/steps';
import { HOSTILE } from './support/lambda-fixtures';

const meta = { answeredAt: '2026-01-01T00:00:00.000Z', answeredBy: 'owner' as const };

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e.field;
    throw e;
  }
  return undefined;
}

describe('feedback step definitions', () => {
  it('cover every step, with the answers the state machine branches on', () => {
    expect(Object.keys(FEEDBACK_STEP_DEFINITIONS).sort()).toEqual([...FEEDBACK_STEPS].sort());
    expect(allowedAnswers('qualification-call')).toEqual(expect.arrayContaining(['book-meeting', 'nurture', 'disqualify']));
    expect(allowedAnswers('meeting-outcome')).toEqual(expect.arrayContaining(['held-proceed', 'no-fit', 'no-show']));
    expect(allowedAnswers('deal-decision')).toEqual(['won', 'lost']);
    expect(allowedAnswers('onboarding-review')).toContain('churned');
    expect(allowedAnswers('check-in')).toEqual(['healthy', 'at-risk', 'expansion', 'churned']);
  });

  it('route feedback upstream as The Model describes', () => {
    expect(FEEDBACK_STEP_DEFINITIONS['qualification-call']).toMatchObject({ askedTeam: 'inside-sales', feedbackTo: ['marketing'] });
    expect(FEEDBACK_STEP_DEFINITIONS['meeting-outcome']).toMatchObject({ askedTeam: 'field-sales', feedbackTo: ['inside-sales'] });
    expect(FEEDBACK_STEP_DEFINITIONS['onboarding-review']).toMatchObject({ askedTeam: 'customer-success', feedbackTo: ['marketing', 'field-sales'] });
    const meeting = FEEDBACK_STEP_DEFINITIONS['meeting-outcome'].ratings.map((r) => r.id);
    expect(meeting).toEqual(['budget-accuracy', 'authority-accuracy', 'need-accuracy', 'timeline-accuracy']);
  });
});

describe('parseFeedbackForm', () => {
  it('parses a won deal with amount and currency', () => {
    const a = parseFeedbackForm('deal-decision', { answer: 'won', amount: '12 500.50', currency: 'eur', promises: 'SSO in Q3', comment: '  ok ' }, meta);
    expect(a).toEqual({
      step: 'deal-decision',
      answer: 'won',
      comment: 'ok',
      ratings: {},
      details: { amount: 12500.5, currency: 'EUR', promises: 'SSO in Q3' },
      ...meta,
    });
  });

  it('requires the reason for a lost deal and ignores won-only fields', () => {
    expect(fieldOf(() => parseFeedbackForm('deal-decision', { answer: 'lost' }, meta))).toBe('details.reasonCode');
    const a = parseFeedbackForm('deal-decision', { answer: 'lost', reasonCode: 'price', amount: '5' }, meta);
    expect(a.details).toEqual({ reasonCode: 'price' });
  });

  it.each([
    [{}, 'answer'],
    [{ answer: 'won', currency: 'EUR' }, 'details.amount'],
    [{ answer: 'won', amount: '-3', currency: 'EUR' }, 'details.amount'],
    [{ answer: 'won', amount: '1e400', currency: 'EUR' }, 'details.amount'],
    [{ answer: 'won', amount: '10', currency: 'EURO' }, 'details.currency'],
    [{ answer: 'lost', reasonCode: '<script>' }, 'details.reasonCode'],
    [{ answer: ['won', 'lost'] }, 'answer'],
    [{ answer: 'lost', reasonCode: 'price', comment: 'x'.repeat(MAX_TEXT + 1) }, 'comment'],
    [{ answer: 'lost', reasonCode: 'price', comment: 'a\u0000b' }, 'comment'],
  ])('rejects %j naming %s', (form, field) => {
    expect(fieldOf(() => parseFeedbackForm('deal-decision', form, meta))).toBe(field);
  });

  it('ratings are optional but must be 1-5', () => {
    expect(parseFeedbackForm('meeting-outcome', { answer: 'held-proceed', 'rating.need-accuracy': '5' }, meta).ratings).toEqual({ 'need-accuracy': 5 });
    for (const bad of ['0', '6', '2.5', 'x']) {
      expect(fieldOf(() => parseFeedbackForm('meeting-outcome', { answer: 'held-proceed', 'rating.need-accuracy': bad }, meta))).toBe('ratings.need-accuracy');
    }
  });

  it('keeps hostile text verbatim (escaping happens on output)', () => {
    const a = parseFeedbackForm('qualification-call', { answer: 'book-meeting', comment: HOSTILE.script, moreOf: HOSTILE.nonLatin }, meta);
    expect(a.comment).toBe(HOSTILE.script);
    expect(a.details.moreOf).toBe(HOSTILE.nonLatin);
  });

  it('feedbackFor splits an answer by receiving team', () => {
    const a = parseFeedbackForm(
      'onboarding-review',
      { answer: 'on-track', 'rating.expectations-set-right': '3', 'rating.message-match': '5', difficulties: 'SSO', unkeptPromises: 'API' },
      meta,
    );
    expect(feedbackFor('marketing', a)).toEqual({ ratings: { 'message-match': 5 }, details: { difficulties: 'SSO' } });
    expect(feedbackFor('field-sales', a)).toEqual({ ratings: { 'expectations-set-right': 3 }, details: { unkeptPromises: 'API' } });
  });
});

describe('email layout', () => {
  it('escapes everything, strips CR/LF from the subject and drops non-http buttons', () => {
    const mail = renderEmail({
      subject: `Hi ${HOSTILE.crlf}`,
      heading: HOSTILE.script,
      paragraphs: [HOSTILE.quotes],
      summary: [
        { label: 'Name', value: HOSTILE.nonLatin },
        { label: 'Long', value: HOSTILE.long },
        { label: 'Empty', value: '' },
      ],
      buttons: [
        { label: 'Good', url: 'https://api.example.com/feedback/abc?answer=won' },
        { label: 'Bad', url: 'javascript:alert(1)' },
      ],
    });
    expect(mail.subject).toBe('Hi Eve Bcc: victim@example.com');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain(HOSTILE.nonLatin);
    expect(mail.html).not.toContain('L'.repeat(600));
    expect(mail.html).not.toContain('Empty');
    expect(mail.html).toContain('href="https://api.example.com/feedback/abc?answer=won"');
    expect(mail.html).not.toContain('javascript:');
    expect(mail.text).toContain('Good: https://api.example.com/feedback/abc?answer=won');
    expect(mail.text).not.toContain('javascript:');
  });
});
