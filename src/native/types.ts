/** A rectangle in pixel coordinates of the frame it belongs to. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
