// The tester page: choose a destination, fill its settings, test its credentials, read the
// verdict, the per-field problems and the log of the test's requests and responses.
import * as api from './api.js';
import { SettingsForm } from './form.js';
import { OAuthPanel, usesOAuth } from './oauth.js';

const $ = (id) => document.getElementById(id);

// The verdict's headline for each outcome of the contract.
const HEADLINES = {
  valid: 'Credentials are valid.',
  invalid_settings: 'The settings are not valid.',
  invalid_credentials: 'Credentials are invalid.',
  could_not_verify: 'Could not verify the credentials.',
  plugin_failed: 'The destination failed.',
  unchecked: 'Not checked: the destination has no test request.',
};

const state = { slug: null, form: null, busy: false, listed: new Map() };
let oauth;

function showVerdict(kind, headline, detail) {
  const box = $('verdict');
  box.dataset.outcome = kind;
  $('verdict-text').textContent = headline;
  $('verdict-detail').textContent = detail;
}

function logNote(text) {
  const item = document.createElement('li');
  item.className = 'note';
  item.textContent = text;
  return item;
}

function showLog(lines) {
  const items = (Array.isArray(lines) ? lines : []).map((line) => {
    const text = String(line);
    const item = document.createElement('li');
    item.className = text.startsWith('>') ? 'request' : text.startsWith('<') ? 'response' : 'note';
    item.textContent = text;
    return item;
  });
  if (!items.length) items.push(logNote('No request was sent.'));
  $('log').replaceChildren(...items);
}

function setBusy(busy) {
  state.busy = busy;
  for (const id of ['test-button', 'validate-button']) $(id).disabled = busy;
  $('settings-form').setAttribute('aria-busy', String(busy));
}

function describeDestination(d) {
  const about = $('destination-about');
  const facts = [`${d.name} ${d.version}`, `scheme ${d.scheme}`, d.kind ? `${d.kind} plugin` : null]
    .filter(Boolean).map(String).join(' · ');
  about.textContent = d.description ? `${facts}. ${d.description}` : `${facts}.`;
  about.hidden = false;
}

async function chooseDestination(slug) {
  state.slug = slug;
  state.form = null;
  $('settings-panel').hidden = true;
  $('destination-about').hidden = true;
  oauth.hide();
  showVerdict('none', 'No test run yet.', '');
  $('log').replaceChildren(logNote('No test run yet.'));
  if (!slug) return;
  try {
    const definition = await api.describe(slug);
    if (slug !== state.slug) return;
    // The list says what kind of plugin it is; the definition does not.
    describeDestination({ kind: state.listed.get(slug)?.kind, ...definition });
    state.form = new SettingsForm($('fields'), Array.isArray(definition.fields) ? definition.fields : []);
    const withOAuth = usesOAuth(definition.scheme);
    $('connection-line').hidden = !withOAuth;
    $('settings-panel').hidden = false;
    if (withOAuth) oauth.show(slug);
  } catch (e) {
    showVerdict('error', 'Could not load the destination.', e.message);
  }
}

function problemsText(unplaced) {
  return unplaced.length ? ` ${unplaced.join(' ')}` : '';
}

async function runTest() {
  if (!state.form || state.busy) return;
  setBusy(true);
  showVerdict('running', 'Testing…', '');
  try {
    const connection = $('connection-line').hidden ? undefined : $('connection').value.trim() || 'default';
    const verdict = await api.testCredentials(state.slug, state.form.settings(), connection);
    const unplaced = state.form.showErrors(verdict.fields);
    const outcome = String(verdict.outcome ?? (verdict.ok ? 'valid' : 'invalid_credentials'));
    const headline = HEADLINES[outcome] ?? (verdict.ok ? HEADLINES.valid : 'The test failed.');
    const status = typeof verdict.status === 'number' ? `HTTP ${verdict.status}. ` : '';
    const message = String(verdict.error ?? verdict.note ?? '');
    showVerdict(outcome, headline, `${status}${message}${problemsText(unplaced)}`.trim());
    showLog(verdict.log);
    if (outcome === 'invalid_settings') state.form.firstInvalid()?.focus();
  } catch (e) {
    showVerdict('error', 'The test could not be run.', e.message);
  } finally {
    setBusy(false);
  }
}

async function runValidate() {
  if (!state.form || state.busy) return;
  setBusy(true);
  try {
    const answer = await api.validate(state.slug, state.form.settings());
    const unplaced = state.form.showErrors(answer.fields);
    if (answer.ok) showVerdict('valid', 'The settings are valid.', 'No request was sent.');
    else showVerdict('invalid_settings', HEADLINES.invalid_settings, `No request was sent.${problemsText(unplaced)}`);
    if (!answer.ok) state.form.firstInvalid()?.focus();
  } catch (e) {
    showVerdict('error', 'The settings could not be validated.', e.message);
  } finally {
    setBusy(false);
  }
}

function showRejected(rejected) {
  if (!Array.isArray(rejected) || !rejected.length) return;
  const items = rejected.map((r) => {
    const item = document.createElement('li');
    item.textContent = `${String(r.path)}: ${String(r.reason)}`;
    return item;
  });
  $('rejected-list').replaceChildren(...items);
  $('rejected').hidden = false;
}

async function start() {
  oauth = new OAuthPanel({
    panel: $('oauth-panel'), status: $('oauth-status'), connect: $('connect-button'),
    signOut: $('sign-out-button'), link: $('oauth-link'), linkLine: $('oauth-link-line'),
    connection: $('connection'),
  });
  $('settings-form').addEventListener('submit', (event) => {
    event.preventDefault();
    runTest();
  });
  $('validate-button').addEventListener('click', runValidate);
  $('connection').addEventListener('change', () => state.slug && oauth.refresh());
  const select = $('destination');
  select.addEventListener('change', () => chooseDestination(select.value));

  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    api.setToken($('token').value);
    loadDestinations();
  });
  loadDestinations();
}

async function loadDestinations() {
  const select = $('destination');
  let list;
  try {
    list = await api.listDestinations();
  } catch (e) {
    $('load-problem').textContent = `Could not list the destinations: ${e.message}`;
    $('load-problem').hidden = false;
    select.replaceChildren(new Option('No destination', ''));
    if (e.code === 'unauthorized') {
      $('token-panel').hidden = false;
      $('token').focus();
    }
    return;
  }
  $('load-problem').hidden = true;
  $('token-panel').hidden = true;
  const destinations = Array.isArray(list.destinations) ? list.destinations : [];
  const options = [new Option(destinations.length ? 'Choose a destination…' : 'No destination is loaded', '')];
  for (const d of destinations) options.push(new Option(`${String(d.name)} (${String(d.slug)})`, String(d.slug)));
  select.replaceChildren(...options);
  state.listed = new Map(destinations.map((d) => [String(d.slug), d]));
  select.disabled = destinations.length === 0;
  showRejected(list.rejected);
  // A link may name the destination to open: /#example-custom.
  const wanted = decodeURIComponent(location.hash.slice(1));
  if (wanted && destinations.some((d) => String(d.slug) === wanted)) {
    select.value = wanted;
    chooseDestination(wanted);
  }
}

start();
