import { useEffect } from 'react';

const PRODUCT = 'Paddock';

/** Sets `<title>` to "Page · Paddock" so tabs and history entries say where they lead. */
export function useDocumentTitle(title: string | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · ${PRODUCT}` : PRODUCT;
  }, [title]);
}
