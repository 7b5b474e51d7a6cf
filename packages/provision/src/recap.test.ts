import { parseRecap, progressLine } from './recap';

const output = `PLAY [Base system and hardening] ***********************************************

TASK [common : Install the base packages] ***************************************
changed: [core-prod]
fatal: [ai-lab]: UNREACHABLE! => {"changed": false, "msg": "Failed to connect", "unreachable": true}

PLAY RECAP *********************************************************************
ai-lab                     : ok=0    changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0
core-prod                  : ok=57   changed=3    unreachable=0    failed=0    skipped=4    rescued=0    ignored=0
`;

describe('reading ansible-playbook output', () => {
  it('reads every host of the recap', () => {
    expect(parseRecap(output)).toEqual({
      'ai-lab': {
        ok: 0,
        changed: 0,
        unreachable: 1,
        failed: 0,
        skipped: 0,
        rescued: 0,
        ignored: 0,
      },
      'core-prod': {
        ok: 57,
        changed: 3,
        unreachable: 0,
        failed: 0,
        skipped: 4,
        rescued: 0,
        ignored: 0,
      },
    });
    expect(parseRecap('ERROR! the playbook could not be found')).toEqual({});
  });

  it('turns the output into readable progress', () => {
    const lines = output.split('\n').map(progressLine).filter(Boolean);
    expect(lines).toEqual([
      '▶ Base system and hardening',
      '  common : Install the base packages',
      '      core-prod: changed',
      '      ai-lab: unreachable',
    ]);
  });
});
