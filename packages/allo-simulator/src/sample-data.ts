// Static vocabulary for simulated histories. Everything here is fictional: names are common,
// numbers use the reserved 555-01xx range (US) or the +33 6 mobile plan, domains are invented.

export const FIRST_NAMES = [
  'Jordan',
  'Maya',
  'Lucas',
  'Chloe',
  'Omar',
  'Sofia',
  'Ethan',
  'Ines',
  'Noah',
  'Amelie',
  'Liam',
  'Priya',
  'Hugo',
  'Grace',
  'Mateo',
  'Zoe',
  'Samir',
  'Lea',
  'Daniel',
  'Camille',
] as const;

export const LAST_NAMES = [
  'Whitfield',
  'Nguyen',
  'Martin',
  'Okafor',
  'Bernard',
  'Castillo',
  'Dubois',
  'Kowalski',
  'Haddad',
  'Moreau',
  'Fischer',
  'Tanaka',
  'Laurent',
  'Osei',
  'Petit',
  'Rossi',
  'Schmidt',
  'Lefebvre',
] as const;

export const COMPANIES = [
  { name: 'Harbor Freight Logistics', domain: 'harborfreight-logistics.com' },
  { name: 'Northwind Dental', domain: 'northwind-dental.com' },
  { name: 'Atelier Verdier', domain: 'atelier-verdier.fr' },
  { name: 'Bluepeak Roofing', domain: 'bluepeakroofing.com' },
  { name: 'Cobalt Analytics', domain: 'cobalt-analytics.io' },
  { name: 'Maison Lumen', domain: 'maisonlumen.fr' },
  { name: 'Summit Property Group', domain: 'summitpg.com' },
  { name: 'Greenleaf Clinics', domain: 'greenleafclinics.org' },
] as const;

export const JOB_TITLES = [
  'Operations Manager',
  'Office Manager',
  'Founder',
  'Head of Sales',
  'Purchasing Lead',
  'Practice Manager',
  'CFO',
  'Project Coordinator',
  'VP Operations',
  'Account Director',
] as const;

export const LEAD_SOURCES = [
  'Webinar',
  'Referral',
  'Website',
  'Trade show',
  'LinkedIn',
  'Cold outreach',
] as const;

export const US_AREA_CODES = ['415', '312', '646', '512', '206', '303', '617', '213'] as const;

/** The Allo workspace the simulator speaks for: its numbers (lines) and their users. */
export const ALLO_LINES = [
  { number: '+14155550100', name: 'Brightlane Sales', userEmail: 'dana.reyes@brightlane.io' },
  { number: '+14155550101', name: 'Brightlane Support', userEmail: 'sam.okoro@brightlane.io' },
  { number: '+33612345600', name: 'Brightlane France', userEmail: 'claire.martin@brightlane.io' },
] as const;

export const CALL_TAGS = [
  'pricing',
  'follow-up',
  'qualified',
  'support',
  'demo',
  'urgent',
  'billing',
] as const;

export const DEAL_NAMES = [
  'Fleet tracking pilot',
  'Annual renewal',
  'Team expansion',
  'Onboarding package',
] as const;

export const DEAL_STATUSES = ['lead', 'qualified', 'proposal', 'negotiation', 'won'] as const;

export const CALL_SUMMARIES = [
  '{name} asked for pricing on 40 seats and a pilot start date next month.',
  '{name} reported that invoices are not syncing since Monday; a ticket was opened.',
  '{name} wants a demo for the operations team on Thursday afternoon.',
  '{name} confirmed the renewal and asked to add two more users.',
  '{name} called about the onboarding schedule and the data import.',
] as const;

export const TRANSCRIPT_LINES = {
  AGENT: [
    'Thanks for calling Brightlane, how can I help?',
    'Sure, let me pull up your account.',
    'I can send that over by email today.',
    'Does Thursday at 2pm work for you?',
  ],
  USER: [
    'Hi, I had a question about pricing.',
    'We are seeing an issue with our invoices.',
    'That works, thank you.',
    'Can you also include the onboarding costs?',
  ],
} as const;

/** Conversation scripts: `in` lines come from the contact, `out` lines from the Allo user. */
export const SMS_SCRIPTS: readonly (readonly { readonly dir: 'in' | 'out'; readonly text: string }[])[] = [
  [
    { dir: 'in', text: 'Hi Dana, can we move the demo to Thursday 2pm?' },
    { dir: 'out', text: 'Thursday 2pm works. Calendar invite on its way.' },
    { dir: 'in', text: 'Perfect, thanks!' },
  ],
  [
    { dir: 'out', text: 'Hello {name}, your quote is ready. Shall I email it?' },
    { dir: 'in', text: 'Yes please, to my work address.' },
    { dir: 'out', text: 'Sent. Let me know if you have questions.' },
    { dir: 'in', text: 'Got it 👍' },
  ],
  [
    { dir: 'in', text: 'Bonjour, est-ce que le technicien passe demain ?' },
    { dir: 'out', text: 'Oui, entre 9h et 11h. Bonne journée !' },
  ],
  [
    { dir: 'out', text: 'Reminder: your appointment is tomorrow at 10:30.' },
    { dir: 'in', text: 'Thanks. Can we make it 11 instead?' },
    { dir: 'out', text: '11:00 is booked for you.' },
  ],
  [{ dir: 'in', text: 'Call me back when you can, it is about the invoice.' }],
];
