// The settings form of one destination, generated from its fields: one labelled control per
// field, its description and its error tied to the control for screen readers. Every text from
// the service is set as textContent, never parsed as HTML.

const element = (tag, attributes = {}, text) => {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
};

// Ids are made from the field's position, so any key (spaces, quotes, unicode) is safe in them.
const idFor = (index, part) => `field-${index}-${part}`;

const isSecret = (field) => field.secret === true || field.type === 'password';
const isNumeric = (field) => field.type === 'number' || field.type === 'integer';
const hasChoices = (field) => Array.isArray(field.choices) && field.choices.length > 0;
const asList = (value) => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

function describedBy(control, ids) {
  if (ids.length) control.setAttribute('aria-describedby', ids.join(' '));
  else control.removeAttribute('aria-describedby');
}

// A select of the field's choices; a choice's value is kept as JSON so numbers stay numbers.
function choiceControl(field, id) {
  const select = element('select', { id });
  if (field.multiple) select.multiple = true;
  else if (!field.required || field.default === undefined) select.append(element('option', { value: '' }, '—'));
  const chosen = asList(field.default).map((v) => JSON.stringify(v));
  for (const choice of field.choices) {
    const value = JSON.stringify(choice.value);
    const option = element('option', { value }, String(choice.label ?? choice.value));
    option.selected = chosen.includes(value);
    select.append(option);
  }
  return select;
}

function secretToggle(input, label) {
  const button = element('button', { type: 'button', class: 'toggle', 'aria-controls': input.id, 'aria-pressed': 'false' }, 'Show');
  button.setAttribute('aria-label', `Show ${label}`);
  button.addEventListener('click', () => {
    const shown = input.type === 'password';
    input.type = shown ? 'text' : 'password';
    button.textContent = shown ? 'Hide' : 'Show';
    button.setAttribute('aria-label', `${shown ? 'Hide' : 'Show'} ${label}`);
    button.setAttribute('aria-pressed', String(shown));
  });
  return button;
}

function control(field, id) {
  if (hasChoices(field)) return choiceControl(field, id);
  if (field.type === 'boolean' && !field.multiple) {
    const box = element('input', { id, type: 'checkbox' });
    box.checked = field.default === true;
    return box;
  }
  // Several values are typed one per line; a textarea cannot be masked, so a secret field that
  // takes several values shows them.
  if (field.multiple || (field.type === 'text' && !isSecret(field))) {
    const area = element('textarea', { id, rows: field.multiple ? '3' : '4', spellcheck: 'false' });
    area.value = asList(field.default).map(String).join('\n');
    return area;
  }
  const input = element('input', { id, autocomplete: 'off', spellcheck: 'false' });
  input.type = isSecret(field) ? 'password' : isNumeric(field) ? 'number' : 'text';
  if (isNumeric(field)) {
    input.step = field.type === 'integer' ? '1' : 'any';
    if (typeof field.minimum === 'number') input.min = String(field.minimum);
    if (typeof field.maximum === 'number') input.max = String(field.maximum);
  }
  if (field.default !== undefined) input.value = String(field.default);
  return input;
}

// One field's row: label (with the required mark), control, description, error line.
function row(field, index) {
  const id = idFor(index, 'input');
  const wrapper = element('div', { class: 'field' });
  const label = element('label', { for: id }, String(field.label || field.key));
  if (field.required) {
    // Screen readers hear "required" from aria-required on the control, not the star.
    label.append(' ', element('span', { class: 'required-mark', 'aria-hidden': 'true' }, '*'));
  }
  const input = control(field, id);
  if (field.required) input.setAttribute('aria-required', 'true');
  const line = element('div', { class: 'control-line' });
  line.append(input);
  if (isSecret(field) && input.tagName === 'INPUT') line.append(secretToggle(input, String(field.label || field.key)));

  const notes = [];
  const hint = !field.multiple ? '' : hasChoices(field) ? 'Choose one or more.' : 'One value per line.';
  const descriptionText = [field.description, hint]
    .filter(Boolean).join(' ');
  let description = null;
  if (descriptionText) {
    description = element('p', { id: idFor(index, 'description'), class: 'description' }, String(descriptionText));
    notes.push(description.id);
  }
  const error = element('p', { id: idFor(index, 'error'), class: 'field-error' });
  error.hidden = true;
  describedBy(input, notes);
  wrapper.append(label, line);
  if (description) wrapper.append(description);
  wrapper.append(error);
  return { field, input, error, notes, wrapper };
}

function parseNumber(field, text) {
  // A value that is not a number goes as typed: the service says what is wrong with it.
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}

function valueOf(entry) {
  const { field, input } = entry;
  if (input.tagName === 'SELECT') {
    const chosen = [...input.selectedOptions].filter((o) => o.value !== '').map((o) => JSON.parse(o.value));
    if (field.multiple) return chosen.length ? chosen : undefined;
    return chosen.length ? chosen[0] : undefined;
  }
  if (input.type === 'checkbox') return input.checked;
  if (field.multiple) {
    const lines = input.value.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    if (!lines.length) return undefined;
    if (isNumeric(field)) return lines.map((l) => parseNumber(field, l));
    if (field.type === 'boolean') return lines.map((l) => (l === 'true' ? true : l === 'false' ? false : l));
    return lines;
  }
  if (input.value === '') return undefined;
  return isNumeric(field) ? parseNumber(field, input.value) : input.value;
}

export class SettingsForm {
  constructor(container, fields) {
    this.entries = fields.map(row);
    container.replaceChildren(...this.entries.map((e) => e.wrapper));
  }

  // The settings as the service takes them; empty fields are left out so that the service
  // applies defaults and reports missing required fields.
  settings() {
    const out = {};
    for (const entry of this.entries) {
      const value = valueOf(entry);
      if (value !== undefined) out[entry.field.key] = value;
    }
    return out;
  }

  clearErrors() {
    for (const entry of this.entries) this.setError(entry, '');
  }

  setError(entry, message) {
    entry.error.textContent = message;
    entry.error.hidden = message === '';
    if (message) {
      entry.input.setAttribute('aria-invalid', 'true');
      describedBy(entry.input, [...entry.notes, entry.error.id]);
    } else {
      entry.input.removeAttribute('aria-invalid');
      describedBy(entry.input, entry.notes);
    }
  }

  // Shows each problem next to its field; returns the problems that name no field of the form.
  showErrors(problems) {
    this.clearErrors();
    const unplaced = [];
    for (const [key, message] of Object.entries(problems || {})) {
      const entry = this.entries.find((e) => e.field.key === key);
      if (entry) this.setError(entry, String(message));
      else unplaced.push(`${key}: ${message}`);
    }
    return unplaced;
  }

  firstInvalid() {
    const entry = this.entries.find((e) => e.input.getAttribute('aria-invalid') === 'true');
    return entry ? entry.input : null;
  }
}
