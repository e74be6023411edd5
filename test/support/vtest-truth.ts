/**
 * Who walks through OpenCV's vtest.avi (768x576, 10 fps, 79.5 s; build/media/opencv-doc/, copyright
 * file beside it), written down by hand as the reference for test/quality/footage.test.ts.
 *
 * How it was made, and what it is not. The clip is busy (five to ten people in view at once, a group
 * standing by the lamp post, people turning back), so it is not a list of everyone: it is eleven people
 * (and one far walker, not required) whose passage could be followed with certainty, most of them only
 * over the stretch where it could ("scored to" in the notes). Frames were looked at one a second (3x2
 * contact sheets, with and without a 100 px grid). Foot positions, one a second: for nine of the people and the far walker they
 * were read off an offline detection run made for that purpose (NanoDet at 416 on 256 px tiles of the
 * full-size frame, 5 fps, linked offline), each person's run of positions checked on the sheets to stay
 * on that one person and cut where it did not; for the pair near the camera (fg-man, fg-woman), whose
 * boxes the tiles cut, they were read off the grid by eye. So positions are good to about 15-30 px (the
 * scorer's gate is 0.6 of a person's height + 12 px), identities are by eye, and people outside this
 * list are not scored: an event on them is neither a person's nor a false one. Left out: the group by
 * the lamp post (0-17 s, three or four men who stand, turn and leave in different directions, two of
 * them as a pair to the right edge at 15-23 s), the man in black who wanders in the middle (0-47 s),
 * the man who stands at the right from 50 to 62 s, and most of the busy end (63-79 s).
 */

/** A waypoint: clip second, foot point x, y (clip pixels: the middle between the feet, on the ground). */
export type Waypoint = readonly [t: number, x: number, y: number];

export interface TruthPerson {
  id: string;
  /** Entry (first waypoint) to exit (last); in between the person walks straight from one waypoint to the next. */
  path: readonly Waypoint[];
  /** The id of the person walking beside them (a pair: both name each other). */
  with?: string;
  /**
   * Walks only the far path by the building (under 40 px tall): not required of the site, and an event on
   * them is neither a person's nor a false one.
   */
  far?: boolean;
  note?: string;
}

/** Where the person's feet are at clip second `t`, null outside their passage. */
export function footAt(p: TruthPerson, t: number): { x: number; y: number } | null {
  const path = p.path;
  const first = path[0],
    last = path.at(-1);
  if (first === undefined || last === undefined || t < first[0] || t > last[0]) return null;
  for (let i = 1; i < path.length; i++) {
    const a = path[i - 1] as Waypoint,
      b = path[i] as Waypoint;
    if (t <= b[0]) {
      const k = b[0] > a[0] ? (t - a[0]) / (b[0] - a[0]) : 0;
      return { x: a[1] + (b[1] - a[1]) * k, y: a[2] + (b[2] - a[2]) * k };
    }
  }
  return { x: last[1], y: last[2] };
}

/** The clip's size and length. */
export const VTEST_WIDTH = 768;
export const VTEST_HEIGHT = 576;
export const VTEST_DURATION_S = 79.5;

export const VTEST_PEOPLE: readonly TruthPerson[] = [
  {
    id: 'back-path',
    note: 'man in black: in from the right edge at 4 s, up the road, turns left along the back path (scored to 29 s)',
    path: [
      [4, 752, 394],
      [5, 692, 370],
      [6, 634, 343],
      [7, 604, 308],
      [8, 584, 283],
      [9, 584, 254],
      [10, 604, 235],
      [11, 632, 217],
      [12, 663, 204],
      [13, 693, 189],
      [14, 716, 181],
      [15, 720, 177],
      [16, 686, 181],
      [17, 646, 190],
      [18, 602, 202],
      [19, 554, 211],
      [20, 502, 223],
      [21.4, 410, 237],
      [22.4, 355, 240],
      [23.4, 284, 238],
      [24.4, 234, 230],
      [25.4, 195, 222],
      [26.4, 161, 213],
      [27.4, 133, 211],
      [28.4, 138, 218],
      [29, 160, 225],
    ],
  },
  {
    id: 'pair-man',
    with: 'pair-woman',
    note: 'red and navy jacket, walks beside the woman up the road, both stand there from 16 to 21 s and come back down',
    path: [
      [8.6, 466, 240],
      [9.6, 494, 224],
      [10.6, 526, 210],
      [11.6, 556, 201],
      [12.6, 592, 188],
      [13.6, 614, 180],
      [14.6, 640, 171],
      [15.6, 657, 162],
      [16.6, 678, 160],
      [17.6, 688, 158],
      [18.6, 690, 155],
      [19.6, 690, 153],
      [20.6, 681, 158],
      [21.6, 673, 161],
      [22.6, 663, 170],
      [23.6, 654, 176],
      [24.6, 646, 182],
      [25.6, 640, 188],
      [26.6, 620, 197],
      [27.6, 612, 206],
      [28.6, 610, 215],
      [29.6, 597, 226],
      [30.6, 600, 240],
      [31.4, 604, 256],
    ],
  },
  {
    id: 'pair-woman',
    with: 'pair-man',
    note: 'dark coat, fair hair, at his left (their right) all the way',
    path: [
      [7, 493, 267],
      [8, 488, 249],
      [9, 505, 233],
      [10, 528, 221],
      [11, 560, 210],
      [12, 598, 197],
      [13, 627, 187],
      [14, 648, 177],
      [15, 668, 169],
      [16.2, 693, 160],
      [17.2, 707, 156],
      [18.2, 712, 156],
      [19.2, 714, 156],
      [20.2, 708, 156],
      [21.2, 700, 161],
      [22.2, 689, 169],
      [23.2, 680, 175],
      [24.2, 676, 182],
      [25.2, 664, 190],
      [26.2, 646, 197],
      [27.2, 644, 205],
      [28.2, 640, 215],
      [29.2, 631, 225],
      [30.2, 632, 235],
      [31.2, 635, 250],
      [32, 642, 264],
    ],
  },
  {
    id: 'far-walker',
    far: true,
    note: 'on the far path beyond the lawn, 35 px tall, right to left',
    path: [
      [9.8, 238, 92],
      [10.8, 204, 100],
      [11.8, 182, 106],
      [12.8, 150, 112],
      [13.8, 120, 119],
      [14.8, 86, 127],
      [15.8, 54, 134],
      [16.8, 20, 142],
      [17.2, 7, 145],
    ],
  },
  {
    id: 'hoodie',
    note: 'light blue hoodie: in at the right edge, crosses past the lamp-post group, out at the left edge',
    path: [
      [11.4, 753, 312],
      [12.4, 666, 297],
      [14.4, 519, 263],
      [15.6, 403, 249],
      [16.6, 326, 240],
      [17.6, 246, 234],
      [18.6, 180, 225],
      [19.6, 116, 218],
      [20.6, 66, 211],
      [21.6, 16, 203],
      [22, 7, 201],
    ],
  },
  {
    id: 'navy',
    note: 'navy jacket: right edge to left edge, lingers at the left edge 23-27 s; crosses the hoodie and the back-path man',
    path: [
      [13.2, 758, 336],
      [14.2, 676, 333],
      [15.2, 586, 315],
      [16.4, 494, 308],
      [17.4, 414, 300],
      [18.4, 354, 292],
      [19.6, 246, 275],
      [20.6, 197, 258],
      [21.6, 136, 253],
      [22.6, 74, 249],
      [23.6, 51, 245],
      [24.6, 50, 245],
      [25.6, 50, 244],
      [26.6, 47, 244],
      [27.6, 32, 243],
      [28.6, 7, 238],
    ],
  },
  {
    id: 'right-man',
    note: 'dark coat: in at the right edge (near the camera), walks up to the lamp post (scored to 29 s)',
    path: [
      [20.6, 754, 371],
      [22.8, 755, 404],
      [23.8, 688, 380],
      [24.8, 630, 358],
      [25.8, 564, 344],
      [26.8, 498, 333],
      [28, 416, 322],
      [29, 370, 309],
    ],
  },
  {
    id: 'road-man',
    note: 'man in black coming down the road (40-45 s)',
    path: [
      [40.4, 583, 201],
      [41.4, 578, 204],
      [42.4, 549, 214],
      [43.4, 526, 230],
      [44.4, 504, 244],
      [45, 500, 256],
    ],
  },
  {
    id: 'red-woman',
    note: 'red jacket: in at the right edge, walks to the lamp post (scored to 47 s)',
    path: [
      [42.8, 718, 340],
      [43.8, 648, 342],
      [44.8, 584, 338],
      [46, 528, 318],
      [47, 470, 301],
    ],
  },
  {
    id: 'front-man',
    note: 'dark coat, near the camera: in at the lower right edge, walks up (46-48 s)',
    path: [
      [46.2, 752, 454],
      [47.2, 677, 411],
      [48.2, 620, 381],
    ],
  },
  {
    id: 'fg-man',
    with: 'fg-woman',
    note: 'red and navy jacket, near the camera (150 px tall): in at the bottom right edge beside the woman, both cross the lawn to the left; at 57 s they part, he walks up to the road (scored to 65 s)',
    path: [
      [51, 691, 569],
      [52, 534, 569],
      [53, 376, 547],
      [54, 265, 518],
      [55, 199, 503],
      [56, 193, 488],
      [57, 221, 477],
      [58, 254, 462],
      [59, 366, 430],
      [60, 478, 415],
      [61, 556, 396],
      [62, 604, 361],
      [63, 640, 330],
      [64, 666, 297],
      [65, 660, 275],
    ],
  },
  {
    id: 'fg-woman',
    with: 'fg-man',
    note: 'fair hair, dark coat, at his right until 56 s; then on along the bottom edge (feet out of frame at 58-59 s) and slowly up the lawn (scored to 65 s)',
    path: [
      [51, 669, 569],
      [52, 519, 560],
      [53, 391, 530],
      [54, 309, 508],
      [55, 262, 499],
      [56, 222, 525],
      [57, 199, 555],
      [58, 232, 569],
      [59, 288, 576],
      [60, 309, 562],
      [61, 372, 562],
      [62, 406, 547],
      [63, 375, 525],
      [64, 365, 518],
      [65, 369, 511],
    ],
  },
];
