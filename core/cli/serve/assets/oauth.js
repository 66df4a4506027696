// The OAuth connection of an oauth2 / oauth-managed destination: its status, "Connect" (the
// provider's sign-in page in a new window, then polling the status until the service's callback
// has stored the tokens) and "Sign out".
import * as api from './api.js';

const POLL_MS = 1000;
const POLL_LIMIT_MS = 5 * 60 * 1000;

export const usesOAuth = (scheme) => scheme === 'oauth2' || scheme === 'oauth-managed';

// Only a web address may be opened: never a javascript: or data: URL from a server.
function webAddress(text) {
  try {
    const url = new URL(String(text));
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch (e) {
    return null;
  }
}

function describeStatus(status) {
  const name = `"${String(status.connection ?? '')}"`;
  if (!status.signedIn) return `Connection ${name}: not signed in.`;
  const parts = [`Connection ${name}: signed in`];
  if (typeof status.expiresAt === 'number') {
    const when = new Date(status.expiresAt * 1000).toLocaleString();
    parts.push(status.expired ? `access token expired at ${when}` : `access token expires at ${when}`);
  } else if (status.expired) {
    parts.push('access token expired');
  }
  if (Array.isArray(status.scopes) && status.scopes.length) parts.push(`scopes: ${status.scopes.map(String).join(' ')}`);
  if (typeof status.refreshToken === 'boolean') parts.push(status.refreshToken ? 'can refresh' : 'no refresh token');
  return parts.join('; ') + '.';
}

export class OAuthPanel {
  constructor(elements) {
    this.el = elements;
    this.slug = null;
    this.timer = null;
    this.el.connect.addEventListener('click', () => this.connect());
    this.el.signOut.addEventListener('click', () => this.signOut());
  }

  connection() {
    return this.el.connection.value.trim() || 'default';
  }

  show(slug) {
    this.stopPolling();
    this.slug = slug;
    this.el.panel.hidden = false;
    this.el.linkLine.hidden = true;
    this.refresh();
  }

  hide() {
    this.stopPolling();
    this.slug = null;
    this.el.panel.hidden = true;
  }

  say(text, problem = false) {
    this.el.status.textContent = text;
    this.el.status.classList.toggle('problem', problem);
  }

  async refresh() {
    const slug = this.slug;
    try {
      const status = await api.oauthStatus(slug, this.connection());
      if (slug !== this.slug) return null;
      this.say(describeStatus(status));
      this.el.signOut.disabled = !status.signedIn;
      return status;
    } catch (e) {
      if (slug === this.slug) this.say(`Could not read the connection's status: ${e.message}`, true);
      return null;
    }
  }

  async connect() {
    // The window is opened while the click is being handled, so a popup blocker lets it through.
    const popup = window.open('about:blank', '_blank');
    if (popup) popup.opener = null;
    this.stopPolling();
    try {
      const answer = await api.startOAuth(this.slug, this.connection());
      const address = webAddress(answer.authorizeUrl);
      if (!address) throw new Error('the service gave no web address to sign in at');
      this.el.link.href = address;
      this.el.linkLine.hidden = false;
      if (popup) popup.location.href = address;
      this.say('Waiting for the sign-in in the other window…');
      this.poll(Date.now());
    } catch (e) {
      if (popup) popup.close();
      this.say(`Could not start the sign-in: ${e.message}`, true);
    }
  }

  poll(started) {
    this.timer = setTimeout(async () => {
      this.timer = null;
      const status = await this.refresh();
      if (status && status.signedIn) {
        this.el.linkLine.hidden = true;
        return;
      }
      if (Date.now() - started > POLL_LIMIT_MS) {
        this.say('Stopped waiting for the sign-in; press Connect to try again.', true);
        return;
      }
      if (status) this.say(`${describeStatus(status)} Waiting for the sign-in in the other window…`);
      this.poll(started);
    }, POLL_MS);
  }

  stopPolling() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  async signOut() {
    this.stopPolling();
    try {
      const answer = await api.signOut(this.slug, this.connection());
      await this.refresh();
      if (!answer.signedOut) this.say(`${this.el.status.textContent} There was nothing to sign out of.`);
    } catch (e) {
      this.say(`Could not sign out: ${e.message}`, true);
    }
  }
}
