import { SCREEN_TOKEN_HEADER } from '@rallyboard/core/protocol';

/**
 * Shows the join code. A public campaign's is a plain image address (cached by the browser).
 * An unlisted campaign's needs the screen token, which goes in a header, never in the address
 * (access logs keep addresses): the image is fetched with it and shown as a data: URL.
 * Fetched again only when the code's address changes.
 */
export async function showJoinCode(
  img: HTMLImageElement,
  imageUrl: string,
  token: string | undefined,
): Promise<void> {
  if (img.dataset.source === imageUrl) return;
  img.dataset.source = imageUrl;
  if (token === undefined) {
    img.src = imageUrl;
    return;
  }
  const res = await fetch(imageUrl, { headers: { [SCREEN_TOKEN_HEADER]: token } });
  // A refused code leaves the place empty: the screen's subscription says what is wrong.
  if (!res.ok) return;
  const dataUrl = await asDataUrl(await res.blob());
  if (img.dataset.source === imageUrl) img.src = dataUrl;
}

/** A data: URL, which the pages' Content-Security-Policy admits for images (blob: it does not). */
function asDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}
