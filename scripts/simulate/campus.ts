// A dense honest campus: hundreds of students on a few /24s, many behind their dorm's NAT
// address, on the same few popular phones, favouring a classmate, bringing roommates through
// their share links, and a few sharing a phone (two accounts, rarely three). Every vote is real.
import { knob } from './knobs.js';
import { carrierSubnet, type Device, hostIn, phone, popularPhone } from './network.js';
import { popularPick, rhythmTime } from './population.js';
import { type CrowdCtx, honestAccount, invite, scriptVisitors, type Visitor } from './visits.js';

interface Student extends Visitor {
  seat: Seat;
}

/** Where a student connects from: the dorm's NAT, or an address of their own on the campus /24. */
interface Seat {
  subnet: string;
  dorm?: string;
  ip: string;
}

export function denseCampus(c: CrowdCtx): void {
  const { rng, script, D } = c;
  const s = c.scenario;
  const subnets = Array.from({ length: knob(s, 'dense-campus.subnets') }, () => carrierSubnet(rng));
  const dorms = subnets.map((subnet) =>
    Array.from({ length: knob(s, 'dense-campus.dorms') }, () => hostIn(rng, subnet)),
  );
  const seat = (): Seat => {
    const n = rng.int(0, subnets.length - 1);
    const subnet = subnets[n] as string;
    if (!rng.chance(knob(s, 'dense-campus.natShare'))) return { subnet, ip: hostIn(rng, subnet) };
    const dorm = rng.pick(dorms[n] as string[]);
    return { subnet, dorm, ip: dorm };
  };
  const classmate = knob(s, 'dense-campus.classmateShare');
  const topModel = knob(s, 'dense-campus.topModelShare');
  const shareDevice = knob(s, 'dense-campus.sharedDeviceShare');
  const triple = knob(s, 'dense-campus.tripleShare');
  const students: Student[] = [];
  /** Accounts on each phone: a roommate borrows one with one account, rarely one with two. */
  const onDevice = new Map<Device, number>();
  for (let i = 0; i < knob(s, 'dense-campus.students'); i++) {
    const roommate = students.length > 0 && rng.chance(shareDevice) ? rng.pick(students) : undefined;
    const room = roommate ? (onDevice.get(roommate.device) ?? 1) : 0;
    const borrows = roommate !== undefined && (room === 1 || (room === 2 && rng.chance(triple)));
    const where: Seat = borrows ? roommate.seat : seat();
    const device = borrows ? roommate.device : rng.chance(topModel) ? popularPhone(rng) : phone(rng);
    onDevice.set(device, (onDevice.get(device) ?? 0) + 1);
    students.push({
      account: honestAccount(rng, script, 'dc', i),
      device,
      seat: where,
      // Campus Wi-Fi: the same seat all day.
      ip: () => where.ip,
      arrival: rhythmTime(rng, D, 2_000, D * 0.95),
      favourite: c.target !== undefined && rng.chance(classmate) ? c.target : popularPick(rng, c.choices),
      quick: rng.chance(knob(s, 'honest.quickShare')),
    });
  }
  // Roommates: the inviter on the same /24, often behind the same dorm NAT.
  const sameNat = knob(s, 'dense-campus.sameNatReferral');
  invite(rng, students, knob(s, 'dense-campus.referralShare'), (visitor, earlier) => {
    const student = visitor as Student;
    const { dorm, subnet } = student.seat;
    const wantNat = dorm !== undefined && rng.chance(sameNat);
    const mates = (earlier as Student[]).filter((e) =>
      wantNat ? e.seat.dorm === dorm : e.seat.subnet === subnet,
    );
    return mates.length > 0 ? rng.pick(mates) : undefined;
  });
  scriptVisitors(rng, script, students, D, {
    dwellMedianMs: knob(s, 'dense-campus.dwellMedianMs'),
    dwellSigma: knob(s, 'honest.dwellSigma'),
    gapShare: knob(s, 'honest.gapShare'),
    favourite: knob(s, 'honest.favourite'),
    choices: c.choices,
  });
}
