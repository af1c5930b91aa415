import { useRef } from 'react';
import { CloseButton, Kbd, TextInput } from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';

/** The page's search box. `/` focuses it from anywhere on the page (not while typing, not behind an open dialog). */
export function SearchInput({
  value,
  onChange,
  label,
  placeholder,
}: {
  value: string;
  onChange: (value: string) => void;
  label: string;
  placeholder: string;
}) {
  const ref = useRef<HTMLInputElement>(null);
  useHotkeys([
    [
      '/',
      () => {
        if (document.querySelector('[aria-modal="true"]')) return;
        ref.current?.focus();
        ref.current?.select();
      },
    ],
  ]);
  return (
    <TextInput
      ref={ref}
      type="search"
      aria-label={label}
      placeholder={placeholder}
      value={value}
      onChange={(event) => onChange(event.currentTarget.value)}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && value) {
          event.stopPropagation();
          onChange('');
        }
      }}
      leftSection={<IconSearch size={16} aria-hidden />}
      rightSectionWidth={value ? 36 : 42}
      rightSection={
        value ? (
          <CloseButton size="sm" aria-label="Clear search" onClick={() => onChange('')} />
        ) : (
          <Kbd size="xs" aria-hidden>
            /
          </Kbd>
        )
      }
      w={{ base: '100%', sm: 320 }}
    />
  );
}
