/** Fictional patients, appointments and invoices for the sample clinic app. No real people. */

export interface Patient {
  id: string;
  name: string;
  born: string;
  phone: string;
  reason: string;
  notes: { date: string; by: string; text: string }[];
  plan: string[];
}

export interface Appointment {
  time: string;
  minutes: number;
  patientId: string;
  kind: string;
  practitioner: string;
  room: string;
  status: 'Arrived' | 'Booked' | 'Confirmed';
}

export interface Invoice {
  number: string;
  patientId: string;
  date: string;
  description: string;
  amount: number;
  status: 'Paid' | 'Due' | 'Insurer pending';
}

export const PATIENTS: Patient[] = [
  {
    id: 'p-1042',
    name: 'Amara Okafor',
    born: '1986-03-14',
    phone: '(613) 555-0142',
    reason: 'Right knee pain after running (patellofemoral)',
    notes: [
      {
        date: '2 weeks ago',
        by: 'Sam Rivera',
        text: 'Pain 5/10 on stairs. Quad strength reduced on the right. Started a loading programme.',
      },
      {
        date: 'Last week',
        by: 'Sam Rivera',
        text: 'Pain 3/10. Tolerating step-downs. Progressed to single-leg squats to 45°.',
      },
    ],
    plan: ['Single-leg squats 3×10', 'Return-to-run plan from week 4', 'Review in 2 weeks'],
  },
  {
    id: 'p-1043',
    name: 'Louis Tremblay',
    born: '1958-11-02',
    phone: '(613) 555-0188',
    reason: 'Rehabilitation after left hip replacement',
    notes: [
      {
        date: '3 weeks ago',
        by: 'Sam Rivera',
        text: 'Six weeks after surgery. Walking with one cane. Hip abduction 3+/5.',
      },
    ],
    plan: ['Gait training without the cane', 'Hip abduction strengthening', 'Balance work'],
  },
  {
    id: 'p-1044',
    name: 'Mei Lin Chen',
    born: '1992-07-21',
    phone: '(613) 555-0107',
    reason: 'Neck and shoulder tension (desk work)',
    notes: [
      {
        date: 'Last month',
        by: 'Olivia Bennett',
        text: 'Upper trapezius tender, cervical rotation limited to the left. Ergonomics discussed.',
      },
    ],
    plan: ['Posture breaks every 45 minutes', 'Chin tucks and thoracic mobility', 'Review in 3 weeks'],
  },
  {
    id: 'p-1045',
    name: 'Jonah Abernathy',
    born: '2004-01-30',
    phone: '(613) 555-0163',
    reason: 'Left ankle sprain (basketball)',
    notes: [
      {
        date: '5 days ago',
        by: 'Sam Rivera',
        text: 'Grade II lateral sprain. Swelling reduced. Weight bearing as tolerated.',
      },
    ],
    plan: ['Balance board progressions', 'Peroneal strengthening', 'Sport-specific drills in week 3'],
  },
  {
    id: 'p-1046',
    name: 'Priya Raman',
    born: '1979-05-09',
    phone: '(613) 555-0129',
    reason: 'Low back pain, recurring',
    notes: [
      {
        date: 'Yesterday',
        by: 'Olivia Bennett',
        text: 'Flare-up after gardening. No red flags. Education on pacing; walking encouraged.',
      },
    ],
    plan: ['Walking 20 minutes daily', 'Core endurance exercises', 'Follow-up phone call on Friday'],
  },
];

export const APPOINTMENTS: Appointment[] = [
  {
    time: '08:30',
    minutes: 45,
    patientId: 'p-1043',
    kind: 'Follow-up',
    practitioner: 'Sam Rivera',
    room: 'Room 1',
    status: 'Arrived',
  },
  {
    time: '09:30',
    minutes: 30,
    patientId: 'p-1042',
    kind: 'Treatment',
    practitioner: 'Sam Rivera',
    room: 'Room 1',
    status: 'Confirmed',
  },
  {
    time: '10:15',
    minutes: 60,
    patientId: 'p-1044',
    kind: 'Initial assessment',
    practitioner: 'Olivia Bennett',
    room: 'Room 2',
    status: 'Confirmed',
  },
  {
    time: '11:30',
    minutes: 30,
    patientId: 'p-1045',
    kind: 'Treatment',
    practitioner: 'Sam Rivera',
    room: 'Gym',
    status: 'Booked',
  },
  {
    time: '13:00',
    minutes: 45,
    patientId: 'p-1046',
    kind: 'Follow-up',
    practitioner: 'Olivia Bennett',
    room: 'Room 2',
    status: 'Booked',
  },
];

export const INVOICES: Invoice[] = [
  {
    number: 'INV-2291',
    patientId: 'p-1043',
    date: 'Today',
    description: 'Follow-up, 45 min',
    amount: 95,
    status: 'Due',
  },
  {
    number: 'INV-2288',
    patientId: 'p-1042',
    date: 'Last week',
    description: 'Treatment, 30 min',
    amount: 80,
    status: 'Paid',
  },
  {
    number: 'INV-2284',
    patientId: 'p-1046',
    date: 'Yesterday',
    description: 'Follow-up, 45 min',
    amount: 95,
    status: 'Insurer pending',
  },
  {
    number: 'INV-2279',
    patientId: 'p-1044',
    date: 'Last month',
    description: 'Initial assessment, 60 min',
    amount: 120,
    status: 'Paid',
  },
];

export function patient(id: string): Patient | undefined {
  return PATIENTS.find((p) => p.id === id);
}

/** The clinic app's OIDC client id at the demo IdP (also named in its "Account security" link). */
export const CLIENT_ID = 'maple-clinic-app';
