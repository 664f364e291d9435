/**
 * `juba gen --lang go --runtime` for real: the nearest_neighbor and kvs clients are generated
 * into a GOPATH, built with Debian's go (GOPATH mode, golang-github-ugorji-go-codec-dev, no
 * network) together with a program that drives them against a live `juba serve
 * nearest_neighbor` and the kvs service behind `juba serve --proxy`; the answers must equal the
 * TypeScript client's.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBoth, generateRich, splitLocal, startLive, stopLive, tsAnswers, type Live } from './gen-live.js';

const run = promisify(execFile);
let live: Live | undefined;
let gopath: string;

beforeAll(async () => {
  live = await startLive('go');
  gopath = path.join(live.tmp, 'gopath');
}, 120_000);

afterAll(() => stopLive(live));

const goEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  GO111MODULE: 'off',
  GOPATH: `${gopath}:/usr/share/gocode`,
  GOFLAGS: '',
  GOPROXY: 'off',
  GOCACHE: path.join(live!.tmp, 'gocache'),
});

describe('juba gen --lang go', () => {
  it('writes the packages and builds them with go vet and go build', async () => {
    const out = path.join(gopath, 'src', 'jubatus');
    const stderr = await generateBoth('go', out);
    expect(stderr).toBe('');
    expect(fs.readFileSync(path.join(out, 'nearest_neighbor/client.go'), 'utf8'))
      .toContain('func (c *NearestNeighborClient) SimilarRowFromID(id string, ret_num uint32) ([]IDWithScore, error) {');
    const app = path.join(gopath, 'src', 'app');
    fs.mkdirSync(app, { recursive: true });
    fs.copyFileSync(path.join(__dirname, 'gen-programs/main.go'), path.join(app, 'main.go'));
    await run('go', ['vet', 'jubatus/...', 'app'], { cwd: gopath, env: goEnv(), timeout: 240_000 });
    await run('go', ['build', '-o', path.join(live!.tmp, 'app'), 'app'], { cwd: gopath, env: goEnv(), timeout: 240_000 });
  }, 300_000);

  it('vets a client of every kind of IDL type', async () => {
    await generateRich('go', path.join(live!.tmp, 'rich'), path.join(gopath, 'src', 'rich'));
    const types = fs.readFileSync(path.join(gopath, 'src', 'rich', 'store', 'types.go'), 'utf8');
    expect(types).toContain('\tType    *string\n');
    // On the wire: IDL float as float32, strings of 32+ bytes as old-spec raw16 (never str8).
    const check = path.join(gopath, 'src', 'richcheck');
    fs.mkdirSync(check, { recursive: true });
    fs.writeFileSync(path.join(check, 'main.go'), `package main

import (
	"fmt"
	"strings"

	common "rich/common"
	"rich/store"
)

func main() {
	b, err := common.Marshal([]interface{}{store.Inner{F: 1.5, Big: 1}, strings.Repeat("x", 40)})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%x", b)
}
`);
    await run('go', ['vet', 'rich/...', 'richcheck'], { cwd: gopath, env: goEnv(), timeout: 240_000 });
    await run('go', ['build', '-o', path.join(live!.tmp, 'richcheck'), 'richcheck'], { cwd: gopath, env: goEnv(), timeout: 240_000 });
    const { stdout } = await run(path.join(live!.tmp, 'richcheck'), [], { timeout: 10_000 });
    expect(stdout).toBe(`9292ca3fc0000001da0028${'78'.repeat(40)}`);
  }, 300_000);

  it('answers like the TypeScript client against live servers', async () => {
    const { stdout } = await run(path.join(live!.tmp, 'app'), [`127.0.0.1:${live!.nnPort}`, `127.0.0.1:${live!.kvsPort}`, live!.kvsName, 'go', `127.0.0.1:${live!.silentPort}`], { timeout: 60_000 });
    const { shared, local } = splitLocal(JSON.parse(stdout));
    expect(local).toEqual({ bad_arg_local: 'compile-time', bad_arg_server: 'type_mismatch', reconnect: 'ok', timeout: 'rpc_error: request timed out' });
    expect(shared).toEqual(await tsAnswers(live!, 'go'));
  }, 90_000);
});
