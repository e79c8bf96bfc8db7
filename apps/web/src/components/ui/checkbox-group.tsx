export interface CheckboxOption<T extends string> {
  value: T;
  label: string;
}

export interface CheckboxGroupProps<T extends string> {
  legend: string;
  options: readonly CheckboxOption<T>[];
  selected: readonly T[];
  onChange: (selected: T[]) => void;
  /** Hide the legend visually when a surrounding control already names the group. */
  legendHidden?: boolean;
}

/** A multi-select as plain checkboxes in a fieldset: keyboard and screen-reader friendly with no extra code. */
export function CheckboxGroup<T extends string>({
  legend,
  options,
  selected,
  onChange,
  legendHidden,
}: CheckboxGroupProps<T>) {
  const toggle = (value: T, checked: boolean) => {
    // Keep the options' order, so the URL does not depend on the order of the clicks.
    onChange(options.map((o) => o.value).filter((v) => (v === value ? checked : selected.includes(v))));
  };
  return (
    <fieldset className="checkbox-group">
      <legend className={legendHidden ? 'visually-hidden' : 'field-label'}>{legend}</legend>
      <div className="checkbox-options">
        {options.map((option) => (
          <label key={option.value} className="checkbox">
            <input
              type="checkbox"
              checked={selected.includes(option.value)}
              onChange={(event) => toggle(option.value, event.target.checked)}
            />
            <span>{option.label}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
