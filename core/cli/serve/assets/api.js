// Calls to the service's JSON API (v1). Every answer is read as JSON; an error answer becomes an
// ApiError carrying the service's stable code and message.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const segment = (text) => encodeURIComponent(text);

// The bearer token a service started with --token-file asks for; kept in memory only.
let token = '';
export const setToken = (value) => {
  token = value;
};

async function call(method, path, body) {
  const options = { method, headers: { Accept: 'application/json' } };
  if (token) options.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (e) {
    throw new ApiError(0, 'network', `The service did not answer (${e.message}).`);
  }
  let data = null;
  try {
    data = await response.json();
  } catch (e) {
    throw new ApiError(response.status, 'not_json', `The service answered ${response.status} without JSON.`);
  }
  if (!response.ok) {
    const error = data && typeof data.error === 'object' && data.error !== null ? data.error : {};
    throw new ApiError(response.status, String(error.code ?? 'http_' + response.status),
                       String(error.message ?? `The service answered ${response.status}.`));
  }
  return data;
}

export const listDestinations = () => call('GET', '/v1/destinations');
export const describe = (slug) => call('GET', `/v1/destinations/${segment(slug)}`);
export const validate = (slug, settings) =>
  call('POST', `/v1/destinations/${segment(slug)}/validate`, { settings });
export const testCredentials = (slug, settings, connection) =>
  call('POST', `/v1/destinations/${segment(slug)}/test`, connection ? { settings, connection } : { settings });
export const startOAuth = (slug, connection) =>
  call('POST', `/v1/destinations/${segment(slug)}/oauth/start`, { connection });
export const oauthStatus = (slug, connection) =>
  call('GET', `/v1/destinations/${segment(slug)}/oauth?connection=${segment(connection)}`);
export const signOut = (slug, connection) =>
  call('DELETE', `/v1/destinations/${segment(slug)}/oauth?connection=${segment(connection)}`);
