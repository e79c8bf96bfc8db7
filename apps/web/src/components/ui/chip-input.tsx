import { useState } from 'react';
import type { ClipboardEvent, KeyboardEvent } from 'react';
import type { FieldControlProps } from './field';

export interface ChipInputProps {
  /** From `<Field>`: labels the text input and ties it to its hint and error. */
  control: FieldControlProps;
  values: readonly string[];
  onChange: (values: string[]) => void;
  onBlur?: () => void;
  /** Names one value in button labels and announcements, e.g. "tag". */
  noun: string;
  placeholder?: string;
  /** id of a <datalist> with suggestions */
  list?: string;
  maxLength?: number;
  disabled?: boolean;
}

/** Splits typed or pasted text at commas and new lines; blank and repeated values are skipped. */
export function addValues(current: readonly string[], text: string): string[] {
  const next = [...current];
  for (const part of text.split(/[,\n]/)) {
    const value = part.trim();
    if (value && !next.includes(value)) next.push(value);
  }
  return next;
}

/**
 * A list of short values as chips with a text input: Enter or a comma adds what was typed, Backspace in the empty
 * input removes the last chip, and each chip has its own remove button, so it all works from the keyboard.
 */
export function ChipInput({
  control,
  values,
  onChange,
  onBlur,
  noun,
  placeholder,
  list,
  maxLength,
  disabled,
}: ChipInputProps) {
  const [text, setText] = useState('');
  const [announcement, setAnnouncement] = useState('');

  const commit = (raw: string) => {
    const next = addValues(values, raw);
    setText('');
    if (next.length === values.length) return;
    setAnnouncement(`Added ${noun} ${next.slice(values.length).join(', ')}`);
    onChange(next);
  };
  const remove = (value: string) => {
    setAnnouncement(`Removed ${noun} ${value}`);
    onChange(values.filter((v) => v !== value));
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter' || event.key === ',') {
      // Enter would otherwise submit the whole form.
      event.preventDefault();
      commit(text);
    } else if (event.key === 'Backspace' && text === '' && values.length > 0) {
      remove(values.at(-1)!);
    }
  };
  const onPaste = (event: ClipboardEvent<HTMLInputElement>) => {
    const pasted = event.clipboardData.getData('text');
    if (!/[,\n]/.test(pasted)) return;
    event.preventDefault();
    commit(text + pasted);
  };

  return (
    <div className="chip-input">
      {values.length > 0 ? (
        <ul className="chip-list" aria-label={`${noun}s`}>
          {values.map((value) => (
            <li key={value}>
              <span className="chip chip-removable">
                {value}
                <button
                  type="button"
                  className="chip-remove"
                  aria-label={`Remove ${noun} ${value}`}
                  disabled={disabled}
                  onClick={() => remove(value)}
                >
                  <span aria-hidden="true">×</span>
                </button>
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      <input
        {...control}
        className="input"
        value={text}
        placeholder={placeholder}
        list={list}
        maxLength={maxLength}
        disabled={disabled}
        autoCapitalize="none"
        spellCheck={false}
        onChange={(event) => {
          const value = event.target.value;
          if (value.includes(',')) commit(value);
          else setText(value);
        }}
        onKeyDown={onKeyDown}
        onPaste={onPaste}
        onBlur={() => {
          // Typed but not confirmed with Enter: keep it rather than silently dropping it.
          if (text.trim()) commit(text);
          onBlur?.();
        }}
      />
      <span className="visually-hidden" role="status">
        {announcement}
      </span>
    </div>
  );
}
