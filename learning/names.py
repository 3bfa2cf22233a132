"""Word lists for the redaction suggestions (learning/redaction.py), all lower-cased.

Written for this project, not copied from a register: common first names of people living and
working in UK social care across generations and backgrounds (residents born in the 1930s,
staff and children born since the 1990s; English, Scottish, Welsh, Irish, South Asian, African,
Caribbean, Eastern European, Filipino, Arabic and Chinese names in their usual UK spellings).
A name missing here is still found after a title ("Mrs ...") or as a possessive ("...'s"), so
the list need not be complete; a word wrongly here costs a false mark that the reviewer undoes.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


FIRST_NAMES = _words("""
    ada agnes albert alec alfred alice alma amy andrew ann anne annie arthur audrey barbara
    barry beatrice bernard beryl betty bill billy brenda brian bridget carol catherine cecil
    charles clara clifford colin connie cyril dennis derek diana dolly donald doreen doris
    dorothy douglas edith edna edward edwin eileen elaine eleanor elizabeth ellen elsie emily
    enid eric ernest ethel evelyn florence frances frank fred freda frederick geoffrey george
    gerald gladys gordon graham harold harry hazel helen henry herbert hilda ida irene iris ivy
    jack jean jessie jim joan john josephine joyce kathleen keith kenneth lilian lily lionel
    mabel malcolm margaret marjorie martha mary maud maureen maurice mavis mildred molly muriel
    nancy nellie norah norma norman olive patricia pauline peggy percy peter phyllis ralph
    raymond reginald rita robert ronald rose roy ruby sheila sidney stanley sylvia ted thelma
    thomas valerie vera victor violet vivian walter wilfred william winifred
    adam aidan alan alex alexander alison amanda andy angela anita anthony ashley barry ben
    benjamin beverley carl caroline charlotte chris christine christopher claire craig dan
    daniel darren david dawn dean debbie deborah denise diane donna elaine emma gary gemma
    graham hannah heather ian jacqueline james jane janet jason jennifer jenny jill joanne
    jonathan julie karen kate katie kelly kevin kim laura lee linda lisa louise lynn mandy
    marie mark martin matthew michael michelle mike natalie neil nicholas nicola nigel pamela
    paul paula philip rachel richard rob sally samantha sandra sarah scott sharon simon sophie
    stephen steve stuart sue susan tim timothy tina tony tracey tracy trevor vicky wayne wendy
    abigail alfie amelia archie ava bella caleb callum chloe connor daisy dylan ella ellie
    emily erin ethan evie faith finley florence freddie freya grace harley harper harrison
    harvey holly isaac isabella isabelle isla jacob jade jake jasmine jayden joseph josh
    joshua kai kayden kian leah leo liam lola lucas lucy luke maisie max megan mia millie
    mason noah olivia oliver oscar phoebe poppy reuben riley rosie ruby ryan sam samuel scarlett
    sienna sofia sophia summer teddy theo toby tyler willow zac zara
    aled alun angharad bethan bronwen carys catrin cerys dafydd delyth dewi eirlys eleri emrys
    ffion gareth geraint gethin glenys gwen gwenllian gwyn huw iestyn ifan iwan llinos lowri
    mair meinir nia owain rhian rhiannon rhodri rhys sian siân sioned tomos trystan
    aileen alastair alasdair ailsa angus calum catriona eilidh euan fergus fiona fraser
    hamish iain isobel kirsty morag murdo ross shona struan
    aine aoife bernadette brendan ciara ciaran colm conor declan deirdre dermot eamon eoin
    fionnuala grainne kieran maeve niall niamh oisin orla padraig patrick roisin seamus sean
    siobhan sinead
    aarav aisha amir amit anil anjali arjun ayesha bilal deepa fatima gurpreet hamza harpreet
    hassan ibrahim imran jaspreet kamal kiran leila mehmet mohammed mohammad muhammad nadia
    naveen nisha omar parveen pooja prakash priya raj rajesh rakesh ravi reza rukhsana sadia
    sajid salma sameer sana sanjay shabnam shahid shanti simran sunil sunita tariq usha yasmin
    yusuf zainab zahra khadija maryam ali abdul ahmed asif nasreen noor rani saira samira
    abena adaeze adebayo adeola ama amara ayodele chidi chiamaka chinedu chipo efua emeka
    folake funmi ifeoma kofi kwabena kwame kwaku mariam ngozi nkechi obinna oluwaseun olufemi
    segun tendai thandiwe tunde yaw
    andre beverley claudette delroy desmond errol hyacinth leroy marcia winston
    agnieszka aleksandra andrei bogdan dorota elena ewa ioana irina katarzyna krzysztof
    magdalena marek marta mihai monika natalia olga pawel piotr radu stefan tomasz vasile
    wojciech zofia zuzanna
    analyn cristina jocelyn jonalyn marisol marites maricel rowena rosalie
    mei wei ling
    alf bert bob dave jo joe kath liz maggie nick pete tom becky beth charlie hayley jess
    jodie kerry lauren leanne reggie ronnie shannon stacey
""")

# Names that are also everyday words or months: marked only with extra evidence (redaction.py).
WORD_NAMES = _words("""
    april august amber autumn bill dawn faith frank grace hazel heather holly hope iris ivy
    jack jade joy june mark max may olive pat pearl penny poppy ray robin rose ruby sandy summer
    sue violet will daisy lily sky crystal
""")

MONTH_NAMES = _words("april august june may")

TITLES = _words("mr mrs ms miss mx dr nurse sister prof rev")

# Street types and building or unit words: a capitalised word before one of these is a place
# ("Rose Lane", "Florence Ward", "Elizabeth House"), not a person.
STREET_TYPES = _words("""
    road rd street st lane ln avenue ave close drive dr court ct way crescent cres gardens gdns
    place pl terrace grove hill walk mews square sq view row parade park rise green vale yard
    wharf gate meadow meadows fields way boulevard
""")
PLACE_WORDS = STREET_TYPES | _words("""
    ward unit suite house lodge hall wing lounge room centre center surgery hospital school
    academy practice pharmacy annexe manor cottage cottages court home
""")

# Capitalised words that are not names: care vocabulary, days, months, drugs, relations.
NOT_NAMES = PLACE_WORDS | _words("""
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december christmas easter
    the a an and or but he she they we it his her their this that there then when while after
    before on in at to for of with by from no not yes
    resident residents patient client service user staff carer carers nurse nurses doctor
    manager deputy senior team leader agency bank night day shift worker social key keyworker
    supervisor registered matron paramedic paramedics police ambulance pharmacist dentist
    optician chef cook cleaner driver family visitor visitors
    mum mom dad nan nana nanna gran granny grandma grandad grandpa aunt auntie uncle
    mar gp gps nhs cqc dnacpr prn iddsi peg salt ot dols mca bp ecg ppe cctv ooh ae cd cds
    epipen bmi covid english welsh kitchen garden bathroom toilet corridor office reception
    dining conservatory lift stairs bedroom shower laundry council trust boots lloyds
    paracetamol ibuprofen aspirin warfarin apixaban rivaroxaban edoxaban dabigatran heparin
    insulin metformin gliclazide amlodipine ramipril lisinopril bisoprolol atenolol
    furosemide digoxin simvastatin atorvastatin omeprazole lansoprazole levothyroxine
    prednisolone morphine oramorph codeine tramadol oxycodone fentanyl buprenorphine
    lorazepam diazepam midazolam buccolam clonazepam zopiclone temazepam sertraline
    citalopram fluoxetine mirtazapine amitriptyline risperidone olanzapine quetiapine
    haloperidol clozapine aripiprazole lithium sodium valproate epilim lamotrigine
    levetiracetam carbamazepine phenytoin gabapentin pregabalin donepezil memantine
    rivastigmine galantamine melatonin methylphenidate ritalin concerta salbutamol ventolin
    seretide symbicort adrenaline amoxicillin flucloxacillin trimethoprim nitrofurantoin
    doxycycline clarithromycin senna lactulose laxido movicol macrogol docusate thickener
    thick fortisip ensure calogen adcal calcichew
""")
