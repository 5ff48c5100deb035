import { describe, expect, it } from 'vitest';
import { hostPort, parseNameAddr, parseUri } from '../../src/sip/uri.js';
import type { MessageDefect } from '../../src/sip/types.js';

function uri(text: string) {
  const defects: MessageDefect[] = [];
  const parsed = parseUri(text, 0, text.length, defects);
  return { parsed, defects };
}

function sliceOf(text: string, span: { offset: number; length: number }): string {
  return text.slice(span.offset, span.offset + span.length);
}

describe('parseUri', () => {
  it('parses user, password, host, port, params and headers', () => {
    const text = 'sip:alice:secret@atlanta.example.com:5061;transport=tcp;lr?Subject=project%20x&Priority=urgent';
    const { parsed, defects } = uri(text);
    expect(defects).toEqual([]);
    expect(parsed).toMatchObject({
      scheme: 'sip', user: 'alice', password: 'secret', host: 'atlanta.example.com', port: 5061,
      params: { transport: 'tcp', lr: null }, headers: { Subject: 'project%20x', Priority: 'urgent' }, text,
    });
    expect(sliceOf(text, parsed!.hostPortSpan)).toBe('atlanta.example.com:5061');
  });

  it('parses IPv6 references with and without port', () => {
    const a = uri('sips:[2001:db8::10]:5061').parsed!;
    expect(a).toMatchObject({ scheme: 'sips', host: '2001:db8::10', port: 5061 });
    expect(sliceOf('sips:[2001:db8::10]:5061', a.hostPortSpan)).toBe('[2001:db8::10]:5061');
    const b = uri('sip:bob@[fe80::1];maddr=x').parsed!;
    expect(b).toMatchObject({ user: 'bob', host: 'fe80::1', port: undefined, params: { maddr: 'x' } });
    expect(sliceOf('sip:bob@[fe80::1];maddr=x', b.hostPortSpan)).toBe('[fe80::1]');
  });

  it('keeps user parameters that contain ; before the @', () => {
    const { parsed } = uri('sip:+1555;npdi;rn=+1666@gw.example;user=phone');
    expect(parsed).toMatchObject({ user: '+1555;npdi;rn=+1666', host: 'gw.example', params: { user: 'phone' } });
  });

  it('parses tel: URIs without a host', () => {
    const text = 'tel:+1-201-555-0123;phone-context=example.com';
    const { parsed } = uri(text);
    expect(parsed).toMatchObject({ scheme: 'tel', user: '+1-201-555-0123', host: '', params: { 'phone-context': 'example.com' } });
    expect(parsed!.hostPortSpan.length).toBe(0);
    expect(hostPort(parsed!)).toBe('');
  });

  it('lower-cases the scheme and parameter names but keeps values', () => {
    const { parsed } = uri('SIP:Bob@Example.COM;Transport=UDP');
    expect(parsed).toMatchObject({ scheme: 'sip', user: 'Bob', host: 'Example.COM', params: { transport: 'UDP' } });
  });

  it('parameter names read the same whether usual, written in capitals, or only starting like a usual one', () => {
    const { parsed } = uri('sip:h;LR;tagx=1;Tag=2;tag=3;ttl;tt=4');
    expect(Object.entries(parsed!.params)).toEqual([['lr', null], ['tagx', '1'], ['tag', '2'], ['ttl', null], ['tt', '4']]);
  });

  it('reports a bad port and keeps the rest', () => {
    const { parsed, defects } = uri('sip:bob@host:99999');
    expect(parsed).toMatchObject({ host: 'host', port: undefined });
    expect(defects.map((d) => d.code)).toEqual(['bad-port']);
  });

  it('returns undefined for text without a scheme', () => {
    const { parsed, defects } = uri('bob@example.com');
    expect(parsed).toBeUndefined();
    expect(defects[0].code).toBe('bad-uri');
  });

  it('treats __proto__ as an ordinary parameter name', () => {
    const { parsed } = uri('sip:h;__proto__=x;a=b');
    expect(parsed!.params.__proto__).toBe('x');
    expect(parsed!.params.a).toBe('b');
  });
});

describe('parseNameAddr', () => {
  function na(text: string) {
    const defects: MessageDefect[] = [];
    return { value: parseNameAddr(text, 0, text.length, defects), defects };
  }

  it('quoted display name with escapes, commas and angle brackets', () => {
    const text = '"Smith, \\"Bob\\" <x>" <sip:bob@biloxi.com;lr>;tag=a6c85cf;+sip.instance="<urn:uuid:1>"';
    const { value } = na(text);
    expect(value).toMatchObject({
      displayName: 'Smith, "Bob" <x>',
      uri: { host: 'biloxi.com', params: { lr: null } },
      params: { tag: 'a6c85cf', '+sip.instance': '"<urn:uuid:1>"' },
    });
    expect(sliceOf(text, value!.uri.span)).toBe('sip:bob@biloxi.com;lr');
  });

  it('token display name', () => {
    expect(na('Bob Smith <sip:bob@x>').value).toMatchObject({ displayName: 'Bob Smith', uri: { user: 'bob', host: 'x' } });
  });

  it('addr-spec: parameters after the URI belong to the header', () => {
    const { value } = na('sip:alice@atlanta.com;tag=88sja8x');
    expect(value).toMatchObject({ uri: { host: 'atlanta.com', params: {} }, params: { tag: '88sja8x' } });
    expect(value!.displayName).toBeUndefined();
  });

  it('missing > is a defect', () => {
    const { value, defects } = na('Bob <sip:bob@x;tag=1');
    expect(value).toBeUndefined();
    expect(defects[0].code).toBe('bad-name-addr');
  });
});

describe('hostPort', () => {
  it('brackets IPv6 and appends the port', () => {
    expect(hostPort({ host: '2001:db8::1', port: 5060 })).toBe('[2001:db8::1]:5060');
    expect(hostPort({ host: '2001:db8::1' })).toBe('[2001:db8::1]');
    expect(hostPort({ host: '10.0.0.1', port: 5062 })).toBe('10.0.0.1:5062');
    expect(hostPort({ host: 'example.com' })).toBe('example.com');
  });
});
