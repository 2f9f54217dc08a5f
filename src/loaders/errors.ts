/** A malformed or unsuitable guest image: the message is one line, written for the person who supplied it. */
export class ImageError extends Error {
  override readonly name = "ImageError";
}
