/**
 * Parses XML with a real parser (Python's xml.etree, present wherever the bench's OpenCV peer runs)
 * and answers the root tag and the data-name of every series group, or throws the parser's error.
 */
import { execFileSync } from 'node:child_process';

const SCRIPT = `
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
print(json.dumps({"root": root.tag, "series": [g.get("data-name") for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "series"]}))
`;

export function parseSvg(text: string): { root: string; series: string[] } {
  return JSON.parse(execFileSync('python3', ['-c', SCRIPT], { input: text, encoding: 'utf8' })) as { root: string; series: string[] };
}
