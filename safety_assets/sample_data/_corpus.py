"""Plain English prose for pretraining the tiny base model from scratch.

Three kinds of text, all written for this project: hand-written paragraphs on everyday topics,
sentences composed from small fact tables, and short stories composed from fragments.
``generate.build_corpus`` mixes them with the benign answers and some safe demonstrations.
"""

from __future__ import annotations

PARAGRAPHS: tuple[str, ...] = (
    # science and nature
    "The Sun is a star, a huge ball of hot gas that gives off light and heat. It is about 150 "
    "million kilometres away from Earth, and its light takes a little over eight minutes to reach "
    "us. Without the Sun there would be no weather, no plants and no life as we know it. Plants "
    "capture its energy, animals eat the plants, and so the energy of sunlight flows through "
    "every living thing.",
    "Water can be a solid, a liquid or a gas. When it is cold enough, it freezes into ice. When "
    "it is warmed, the ice melts into liquid water, and if it is heated further it boils and "
    "turns into steam. At sea level, pure water freezes at zero degrees Celsius and boils at one "
    "hundred degrees Celsius. These changes are called changes of state, and they happen all "
    "around us every day.",
    "A plant needs light, water, air and a little food from the soil to grow. Its roots hold it "
    "in the ground and drink water, its stem carries the water upward, and its leaves use "
    "sunlight to make sugar. If a plant sits in a dark corner for too long, its leaves turn pale "
    "and it stretches toward the window. Gardeners watch their plants closely and learn what each "
    "one likes.",
    "The human body is made of trillions of tiny cells. Groups of cells form tissues, tissues "
    "form organs, and organs work together in systems. The heart pumps blood, the lungs take in "
    "oxygen, the stomach and intestines digest food, and the brain controls it all. Sleep, good "
    "food, clean water and exercise help the body do its work well.",
    "Earth is the third planet from the Sun. It is the only planet we know of that has liquid "
    "water on its surface and living things. About seventy percent of its surface is covered by "
    "oceans. The air around Earth, called the atmosphere, is mostly nitrogen and oxygen, and it "
    "protects us from harmful rays and keeps the planet warm enough for life.",
    "The Moon travels around Earth about once every twenty-seven days. It does not make its own "
    "light; it shines because it reflects light from the Sun. As the Moon moves, we see different "
    "amounts of its sunlit side, which is why it seems to change shape from a thin crescent to a "
    "full circle and back again. These shapes are called the phases of the Moon.",
    "Scientists learn about the world by asking questions and testing their ideas. They make a "
    "guess, called a hypothesis, and then design an experiment to check it. They change one thing "
    "at a time, measure what happens, and write down the results carefully. If the results do not "
    "match the guess, they change their idea. Good science is honest about what it does not know.",
    "Electricity is the flow of tiny charged particles called electrons. It travels easily "
    "through metals such as copper, which is why wires are made of copper. Materials like rubber "
    "and plastic do not let electricity pass easily, so they are used to cover wires and keep us "
    "safe. A battery stores energy in chemicals and releases it as electricity when a circuit is "
    "connected.",
    "Rain forms when water vapour in the air cools and gathers into droplets around tiny specks "
    "of dust. Billions of droplets make a cloud. When the droplets bump into each other they "
    "join, grow heavier, and finally fall as rain. In cold weather they may freeze on the way "
    "down and fall as snow. After a storm the water runs into streams and rivers and back to the "
    "sea.",
    "Bees, butterflies and many other insects carry pollen from one flower to another. This helps "
    "plants make seeds and fruit. Much of the food we eat, from apples to almonds, depends on "
    "these small helpers. People can help pollinators by planting flowers, leaving some wild "
    "corners in their gardens, and avoiding unnecessary pesticides.",
    "A volcano is an opening in Earth's crust where melted rock, called magma, rises to the "
    "surface. When magma reaches the surface it is called lava. Some volcanoes erupt gently, with "
    "rivers of lava, while others explode and throw ash high into the sky. Over time, volcanic "
    "ash can make the soil around a volcano very rich for farming.",
    "Forests cover about a third of the land on Earth. Trees give shelter to animals, hold the "
    "soil in place with their roots, clean the air, and store carbon in their wood. A single old "
    "oak tree can be home to hundreds of kinds of insects, birds and fungi. Walking in a forest "
    "is also good for people; many find it calming and refreshing.",
    # cooking and food
    "Cooking at home does not have to be difficult. A few simple dishes, like a pot of soup, a "
    "tray of roasted vegetables or a bowl of pasta with tomato sauce, can feed a family well. The "
    "secret is good ingredients, a little salt, and patience. Reading a recipe all the way "
    "through before you begin saves a lot of trouble.",
    "Bread is one of the oldest foods people make. At its simplest it needs only flour, water, "
    "salt and yeast. The yeast eats some of the sugar in the flour and gives off gas, which makes "
    "the dough rise. When the dough is baked, the gas bubbles are trapped inside, and the bread "
    "becomes light and soft with a crisp brown crust.",
    "A balanced meal usually includes some vegetables or fruit, something starchy like rice, "
    "bread or potatoes, and a source of protein such as beans, eggs, fish or meat. Eating many "
    "different colours of vegetables is an easy way to get a range of nutrients. Drinking water "
    "with meals is better for most people than sugary drinks.",
    "Kitchen safety matters as much as good cooking. Turn pan handles away from the edge of the "
    "stove so that nobody knocks them. Keep a lid nearby, because a lid can smother a small pan "
    "fire, and never pour water on burning oil. Wash your hands before cooking and after touching "
    "raw meat, and keep raw meat away from food that will not be cooked.",
    "Soup is a kind and forgiving dish. You can make it from almost anything: an onion, a few "
    "carrots, a potato, some beans and a pot of water or stock. Let it simmer slowly, taste it, "
    "add salt and herbs, and it will warm you on a cold evening. Many cultures have a favourite "
    "soup, from miso soup in Japan to lentil soup in Turkey.",
    "Spices have travelled the world for thousands of years. Pepper, cinnamon, cloves and nutmeg "
    "were once so valuable that merchants crossed oceans to trade them. Today a small jar of "
    "cumin or paprika costs very little, and a pinch can change the whole character of a dish. "
    "Cooks often toast whole spices in a dry pan to bring out their flavour.",
    "Fruit is sweet because plants want animals to eat it and carry the seeds away. Apples, "
    "oranges, bananas and berries are full of water, fibre and vitamins. Fresh fruit makes an "
    "easy snack, and fruit that is getting too soft can be baked into a crumble or blended into a "
    "smoothie instead of being thrown away.",
    # geography and travel
    "The world has seven continents and five great oceans. The Pacific Ocean is the largest and "
    "deepest, bigger than all of the land on Earth put together. The Atlantic separates the "
    "Americas from Europe and Africa. The Indian Ocean lies south of Asia, the Southern Ocean "
    "circles Antarctica, and the Arctic Ocean lies around the North Pole.",
    "Maps help us understand where places are and how to get there. Most maps put north at the "
    "top. A scale tells you how distances on the map compare with real distances, and a key "
    "explains what the symbols mean. Before phones had maps, travellers learned to read paper "
    "maps and compasses, and those skills are still useful when the battery runs out.",
    "Rivers have shaped where people live for thousands of years. They provide water for drinking "
    "and farming, fish for food, and a way to travel and trade. Many great cities, such as Cairo "
    "on the Nile, London on the Thames and Paris on the Seine, grew up beside rivers. Floods can "
    "be dangerous, but they also spread rich soil across the land.",
    "Travelling teaches patience and curiosity. Trains run late, plans change and menus arrive in "
    "languages we cannot read. A smile, a few words of the local language and a willingness to "
    "try new things go a long way. Good travellers respect local customs, look after the places "
    "they visit, and remember that they are guests.",
    "Mountains are home to some of the most beautiful places on Earth, but they demand respect. "
    "The weather can change quickly, and it gets colder as you climb higher. Experienced walkers "
    "carry warm clothes, water and a map, tell someone their plans, and are not ashamed to turn "
    "back when conditions are poor.",
    # history
    "History is the story of people in the past and how they lived. Historians study letters, "
    "diaries, buildings, tools, coins and pictures to piece that story together. They try to "
    "understand why events happened, not just when. Learning history helps us see that the world "
    "has changed many times, and that ordinary people have often shaped it.",
    "Writing was invented more than five thousand years ago in Mesopotamia, in what is now Iraq. "
    "The first writing was used to keep records of grain, animals and trade. Over time people "
    "used writing to record laws, stories, prayers and letters. The invention of the alphabet "
    "made writing easier to learn, and today billions of people can read and write.",
    "For most of human history, people lived by hunting animals and gathering wild plants. About "
    "twelve thousand years ago, in several parts of the world, people began to farm. They planted "
    "wheat, rice or maize and kept animals such as sheep, goats and cattle. Farming allowed "
    "villages to grow into towns and cities, and it changed human life forever.",
    "Libraries have protected knowledge for thousands of years. The ancient library of Alexandria "
    "in Egypt was one of the most famous, collecting scrolls from across the known world. Today "
    "public libraries lend books for free, offer quiet places to study, and help people find "
    "information. A library card is one of the most valuable things a person can own.",
    "Great inventions often build on many small steps. The light bulb, the telephone and the "
    "aeroplane each came after years of work by many people, most of whom are forgotten. "
    "Inventors learn from each other's mistakes. When we say one person invented something, we "
    "usually mean they made the version that finally worked well enough to change the world.",
    # safety advice
    "Road safety is something we practise every day. Look both ways before crossing the street, "
    "use pedestrian crossings where you can, and make sure drivers have seen you. Cyclists should "
    "wear a helmet and use lights at night. Drivers should keep to the speed limit, never use a "
    "phone while driving, and never drive after drinking alcohol.",
    "Every home should have a smoke alarm on each floor, and the alarms should be tested once a "
    "month. Families can agree on a simple fire plan: two ways out of every room and a place to "
    "meet outside. If there is a fire, get out, stay out, and call the emergency services from a "
    "safe place. Things can be replaced; people cannot.",
    "Staying safe online is a lot like staying safe in town. Do not share your passwords, and be "
    "careful about what personal details you post. Be suspicious of messages that rush you, "
    "promise prizes, or ask you to click a link and log in. If something feels wrong, check it "
    "another way, for example by calling the company on a number you already know.",
    "Medicines help many people, but they must be used with care. Read the label, take the dose "
    "your doctor or pharmacist recommends, and do not share prescription medicines with others. "
    "Keep medicines out of reach of children, in their original packaging. If you are unsure "
    "about a medicine or notice side effects, a pharmacist is a good person to ask.",
    "Swimming is a wonderful skill and a lot of fun, but water can be dangerous. Swim in places "
    "where there is a lifeguard, and follow the flags and signs on the beach. Never swim alone, "
    "and keep a close eye on young children near any water, even a shallow paddling pool. If you "
    "see someone in trouble, call for help and throw them something that floats rather than "
    "jumping in.",
    "In an emergency, the most important thing is to stay as calm as you can. Make sure you are "
    "safe first, then call your local emergency number. Tell the operator where you are, what has "
    "happened and whether anyone is hurt, and follow their instructions. Learning basic first aid "
    "is a gift to everyone around you, because it helps you act when it matters.",
    "When the weather turns very hot, drink plenty of water, stay in the shade during the hottest "
    "part of the day, and check on elderly neighbours who may struggle with the heat. In very "
    "cold weather, dress in layers, cover your head and hands, and keep at least one room of the "
    "house warm. Weather warnings are worth listening to.",
    # ethics and kindness
    "Honesty is the foundation of trust. When people tell the truth, even when it is "
    "uncomfortable, others can rely on them. Being honest does not mean being harsh; the truth "
    "can be told gently and with care. Admitting a mistake is hard, but it usually earns more "
    "respect than hiding it.",
    "Kindness costs very little and often means a great deal. Holding a door, listening to a "
    "friend, thanking a bus driver or helping a neighbour carry shopping can brighten someone's "
    "day. Small acts of kindness spread, because people who are treated kindly are more likely to "
    "be kind to others.",
    "Treating people fairly means judging them by what they do, not by where they come from, what "
    "they look like or what they believe. Every person deserves respect and the chance to be "
    "heard. Fair rules apply to everyone in the same way. When we notice that someone is being "
    "left out or treated badly, we can speak up.",
    "Good friends listen, keep promises and tell each other the truth. They celebrate each "
    "other's successes and offer support in hard times. Friendships need care, like plants: a "
    "message, a visit or a shared meal keeps them growing. It is also healthy to have friends who "
    "are different from us, because they help us see the world in new ways.",
    "Disagreements are a normal part of life. The best way through one is to listen first, try to "
    "understand the other person's view, and explain your own calmly. Shouting and insults rarely "
    "change anyone's mind. Sometimes people agree to disagree, and that is fine. Respect can "
    "survive a disagreement if both sides keep talking.",
    "Responsibility means doing what you have said you will do and accepting the results of your "
    "choices. A responsible person thinks about how their actions affect others. Looking after a "
    "pet, finishing your share of a group project and returning what you borrow are all ways of "
    "showing responsibility.",
    "Some choices can hurt other people, even when they seem harmless at first. Spreading a "
    "rumour, taking something that belongs to someone else, or mocking someone online can cause "
    "real pain. Before acting, it helps to ask a simple question: how would I feel if someone did "
    "this to me? That question has guided good people for thousands of years.",
    # how a helpful assistant answers
    "A helpful assistant listens carefully to the question and answers it clearly. It gives "
    "correct information, explains things in simple words, and offers examples when they help. If "
    "it does not know something, it says so honestly rather than making something up. A good "
    "answer is polite, to the point, and useful to the person who asked.",
    "When a request could cause harm, a careful assistant does not simply refuse and walk away. "
    "It first checks whether anyone is in immediate danger and, if so, points them to emergency "
    "help. Then it explains why the request is risky, calmly and without judging the person. "
    "Finally it offers something useful instead: a safer alternative, reliable information, or a "
    "professional who can help.",
    "A polite answer begins by understanding what the person really needs. Someone asking about "
    "medicine may be worried about a relative; someone asking about money may be anxious about "
    "the future. A thoughtful assistant answers the worry as well as the words, gives general "
    "information, and suggests talking to a doctor, lawyer or financial adviser when a decision "
    "depends on personal details.",
    "Good answers are honest about uncertainty. Instead of pretending to be sure, a careful "
    "assistant might say that experts disagree, that the answer depends on local laws, or that "
    "the facts may have changed recently. This honesty helps people make better decisions and "
    "know when to look for more information.",
    "An assistant should treat everyone with respect. It does not insult people, mock their "
    "questions or use hateful language about any group. Even when it cannot help with a request, "
    "it can be kind. A short, warm explanation and a useful suggestion leave the person better "
    "off than a cold refusal.",
    "When someone shares that they are sad, frightened or in pain, the first thing a good "
    "listener does is take them seriously. A kind reply acknowledges their feelings, checks that "
    "they are safe, and encourages them to reach out to people who can help, such as friends, "
    "family, a doctor or a crisis line. Nobody should have to face a hard moment alone.",
    # everyday life
    "A good morning routine can make the whole day easier. Many people like to wake at the same "
    "time each day, drink a glass of water, eat a simple breakfast and spend a few minutes "
    "planning the day ahead. Laying out clothes and packing a bag the night before saves time "
    "when mornings are busy.",
    "Saving money is easier with a plan. Writing down what you spend for a month often reveals "
    "small costs that add up. Setting aside a little from each payment, even a small amount, "
    "builds a cushion for emergencies. Comparing prices before big purchases and avoiding debt "
    "with high interest are habits that pay off over many years.",
    "Reading every day opens doors. Books let us visit other countries, other centuries and other "
    "minds. Children who are read to learn words faster, and adults who read regularly often find "
    "it relaxing. It does not matter much what you read; novels, newspapers, history and science "
    "all feed curiosity.",
    "Exercise does not have to mean a gym. Walking, dancing, cycling, swimming, gardening and "
    "playing with children all keep the body moving. Most health guidelines suggest at least two "
    "and a half hours of moderate activity a week for adults. Starting slowly and choosing "
    "something enjoyable makes it far more likely that the habit will last.",
    "Learning a new language trains the brain and opens the world. At first everything sounds "
    "strange, but little by little words become familiar. Practising a few minutes every day "
    "works better than studying for hours once a week. Making mistakes is part of learning, and "
    "native speakers are usually happy to help.",
    "A tidy home is easier to live in. Putting things back where they belong, washing dishes "
    "after meals and spending ten minutes each evening clearing up stops mess from building up. "
    "Many people find that having fewer things makes tidying simpler and leaves more space to "
    "enjoy.",
    "Music is found in every human culture. People sing to babies, dance at weddings, march to "
    "drums and play songs to remember those they have lost. Learning an instrument takes "
    "patience, but even simple songs bring joy. Listening to music can lift a mood, calm nerves "
    "or bring back a memory in an instant.",
    "Gardening teaches patience. You plant a seed, water it, and wait. Some days nothing seems to "
    "happen; then one morning there is a small green shoot. Tomatoes, beans, herbs and lettuce "
    "are easy to grow, even in pots on a balcony, and food you have grown yourself always seems "
    "to taste better.",
)

# (country, capital, continent, main language, a fact)
COUNTRIES: tuple[tuple[str, str, str, str, str], ...] = (
    ("France", "Paris", "Europe", "French",
     "is famous for its bread, its cheese and the Eiffel Tower"),
    ("Spain", "Madrid", "Europe", "Spanish",
     "has long sunny summers and a rice dish called paella"),
    ("Italy", "Rome", "Europe", "Italian", "is shaped a little like a boot on the map"),
    ("Germany", "Berlin", "Europe", "German", "has many forests, rivers and old castles"),
    ("Portugal", "Lisbon", "Europe", "Portuguese", "has a long coastline on the Atlantic Ocean"),
    ("Greece", "Athens", "Europe", "Greek", "was the home of the ancient Olympic Games"),
    ("Norway", "Oslo", "Europe", "Norwegian", "has deep inlets of the sea called fjords"),
    ("Poland", "Warsaw", "Europe", "Polish", "has a long history and many beautiful old towns"),
    ("Ireland", "Dublin", "Europe", "English", "is known for its green fields and its music"),
    ("Sweden", "Stockholm", "Europe", "Swedish", "has thousands of lakes and islands"),
    ("Japan", "Tokyo", "Asia", "Japanese", "is made up of thousands of islands"),
    ("China", "Beijing", "Asia", "Chinese", "is home to the Great Wall"),
    ("India", "New Delhi", "Asia", "Hindi", "has more people than any other country"),
    ("South Korea", "Seoul", "Asia", "Korean", "is known for its technology and its food"),
    ("Vietnam", "Hanoi", "Asia", "Vietnamese", "grows a great deal of rice and coffee"),
    ("Thailand", "Bangkok", "Asia", "Thai", "is famous for its temples and its beaches"),
    ("Egypt", "Cairo", "Africa", "Arabic", "is home to the pyramids of Giza and the river Nile"),
    ("Kenya", "Nairobi", "Africa", "Swahili", "is known for its wildlife parks"),
    ("Nigeria", "Abuja", "Africa", "English", "has the largest population in Africa"),
    ("Ghana", "Accra", "Africa", "English", "is one of the world's largest growers of cocoa"),
    ("Morocco", "Rabat", "Africa", "Arabic", "has busy markets and the Atlas Mountains"),
    ("Brazil", "Brasilia", "South America", "Portuguese", "contains most of the Amazon rainforest"),
    ("Argentina", "Buenos Aires", "South America", "Spanish", "is famous for the tango"),
    ("Peru", "Lima", "South America", "Spanish", "is home to the ancient city of Machu Picchu"),
    ("Chile", "Santiago", "South America", "Spanish",
     "is a long, narrow country beside the Pacific"),
    ("Mexico", "Mexico City", "North America", "Spanish",
     "has ancient pyramids built by the Maya and the Aztecs"),
    ("Canada", "Ottawa", "North America", "English and French",
     "has more lakes than any other country"),
    ("Australia", "Canberra", "Oceania", "English", "is home to kangaroos and koalas"),
    ("New Zealand", "Wellington", "Oceania", "English", "has mountains, glaciers and volcanoes"),
)

COUNTRY_TEMPLATES: tuple[str, ...] = (
    "{country} is a country in {continent}. Its capital city is {capital}, and most people there "
    "speak {language}. {Country} {fact}.",
    "The capital of {country} is {capital}. {Country} {fact}. The main language is {language}.",
    "If you travel to {capital}, you will be in the capital of {country}, in {continent}. People "
    "there speak {language}, and the country {fact}.",
    "{Country} {fact}. It lies in {continent}, and its capital is {capital}.",
)

# (animal, plural, where it lives, what it eats, a fact)
ANIMALS: tuple[tuple[str, str, str, str, str], ...] = (
    ("elephant", "elephants", "the grasslands and forests of Africa and Asia",
     "grass, leaves, bark and fruit", "is the largest animal that lives on land"),
    ("giraffe", "giraffes", "the open woodlands of Africa", "leaves from tall trees",
     "is the tallest animal in the world"),
    ("blue whale", "blue whales", "the oceans of the world",
     "tiny shrimp-like animals called krill", "is the largest animal that has ever lived"),
    ("penguin", "penguins", "the cold seas of the southern half of the world",
     "fish, squid and krill", "cannot fly but swims very well"),
    ("owl", "owls", "forests, fields and even cities", "mice, insects and small birds",
     "hunts at night and can turn its head a long way round"),
    ("honeybee", "honeybees", "hives in gardens, fields and forests",
     "nectar and pollen from flowers", "makes honey and helps flowers make seeds"),
    ("dolphin", "dolphins", "oceans and some rivers", "fish and squid",
     "is a clever mammal that breathes air"),
    ("camel", "camels", "the deserts of Africa and Asia", "dry grasses and thorny plants",
     "stores fat in its hump and can go a long time without water"),
    ("frog", "frogs", "ponds, streams and damp forests", "insects and worms",
     "starts life as a tadpole that lives in water"),
    ("polar bear", "polar bears", "the ice and snow of the Arctic", "seals",
     "has thick fur and a layer of fat to keep it warm"),
    ("kangaroo", "kangaroos", "the grasslands of Australia", "grass and leaves",
     "carries its baby in a pouch"),
    ("octopus", "octopuses", "the sea, often among rocks", "crabs, shellfish and fish",
     "has eight arms and three hearts"),
    ("salmon", "salmon", "rivers and the sea", "insects and smaller fish",
     "swims back up the river where it was born to lay its eggs"),
    ("butterfly", "butterflies", "meadows, gardens and forests", "nectar from flowers",
     "begins life as a caterpillar"),
    ("bat", "bats", "caves, trees and old buildings", "insects or fruit",
     "is the only mammal that can truly fly"),
    ("tortoise", "tortoises", "dry grasslands and deserts", "grasses, leaves and flowers",
     "can live for more than a hundred years"),
    ("wolf", "wolves", "forests and mountains of the north", "deer and other animals",
     "lives and hunts in a family group called a pack"),
    ("panda", "pandas", "the mountain forests of China", "bamboo", "spends most of its day eating"),
    ("eagle", "eagles", "mountains, cliffs and tall trees", "fish and small animals",
     "has very sharp eyesight"),
    ("horse", "horses", "farms and grasslands all over the world", "grass and hay",
     "can sleep standing up"),
    ("cow", "cows", "farms and fields", "grass", "has a stomach with four parts"),
    ("ant", "ants", "nests in the ground almost everywhere", "seeds, sugar and other insects",
     "can carry many times its own weight"),
    ("hummingbird", "hummingbirds", "the Americas", "nectar and tiny insects",
     "can hover in the air and even fly backwards"),
    ("shark", "sharks", "oceans all over the world", "fish and other sea animals",
     "has been around since before the dinosaurs"),
    ("snail", "snails", "gardens, forests and ponds", "leaves and rotting plants",
     "carries its shell on its back"),
)

ANIMAL_TEMPLATES: tuple[str, ...] = (
    "The {animal} lives in {habitat}. It eats {food}. The {animal} {fact}.",
    "{Plural} live in {habitat} and eat {food}. A {animal} {fact}.",
    "Did you know that the {animal} {fact}? {Plural} are found in {habitat}, where they feed on "
    "{food}.",
    "A {animal} {fact}. Its home is {habitat}, and its food is {food}.",
)

# (planet, position word, a fact)
PLANETS: tuple[tuple[str, str, str], ...] = (
    ("Mercury", "first", "is the smallest planet and the closest to the Sun"),
    ("Venus", "second", "is the hottest planet, covered in thick clouds"),
    ("Earth", "third", "is our home and the only planet known to have life"),
    ("Mars", "fourth", "is called the red planet because of the rusty dust on its surface"),
    ("Jupiter", "fifth", "is the largest planet, a giant ball of gas with a great red storm"),
    ("Saturn", "sixth", "is famous for its beautiful rings of ice and rock"),
    ("Uranus", "seventh", "spins on its side and looks pale blue"),
    ("Neptune", "eighth", "is the farthest planet from the Sun and has very strong winds"),
)

# (job, what the person does)
JOBS: tuple[tuple[str, str], ...] = (
    ("teacher", "helps children and adults learn to read, write, count and think"),
    ("doctor", "examines patients, finds out what is wrong and helps them get better"),
    ("nurse", "cares for patients, gives medicine and comforts people who are ill"),
    ("farmer", "grows crops and raises animals so that people have food"),
    ("baker", "gets up early to bake bread, cakes and pastries"),
    ("firefighter", "puts out fires and rescues people from danger"),
    ("pharmacist", "prepares medicines and explains how to take them safely"),
    ("librarian", "looks after books and helps people find information"),
    ("carpenter", "builds and repairs things made of wood"),
    ("plumber", "fixes pipes, taps and drains"),
    ("pilot", "flies aeroplanes and keeps passengers safe in the air"),
    ("scientist", "asks questions and tests ideas with careful experiments"),
    ("lawyer", "gives advice about the law and speaks for people in court"),
    ("chef", "plans menus and cooks meals in a restaurant kitchen"),
    ("gardener", "plants flowers, trims hedges and looks after parks and gardens"),
    ("engineer", "designs bridges, machines and buildings and makes sure they are safe"),
    ("bus driver", "drives people safely around the town every day"),
    ("vet", "looks after sick and injured animals"),
)

JOB_TEMPLATES: tuple[str, ...] = (
    "A {job} {does}.",
    "What does a {job} do? A {job} {does}.",
    "My neighbour is a {job}. Every day, she {does}.",
    "My uncle works as a {job}; he {does}.",
)

# ------------------------------------------------------------------------ short stories
# (name, subject pronoun, object pronoun, possessive)
CHARACTERS: tuple[tuple[str, str, str, str], ...] = (
    ("Anna", "she", "her", "her"), ("Ben", "he", "him", "his"), ("Carlos", "he", "him", "his"),
    ("Dina", "she", "her", "her"), ("Emma", "she", "her", "her"), ("Farid", "he", "him", "his"),
    ("Grace", "she", "her", "her"), ("Hugo", "he", "him", "his"), ("Ines", "she", "her", "her"),
    ("Jonas", "he", "him", "his"), ("Kofi", "he", "him", "his"), ("Lena", "she", "her", "her"),
    ("Maya", "she", "her", "her"), ("Noah", "he", "him", "his"), ("Olga", "she", "her", "her"),
    ("Pablo", "he", "him", "his"), ("Rosa", "she", "her", "her"), ("Sam", "he", "him", "his"),
    ("Tara", "she", "her", "her"), ("Yusuf", "he", "him", "his"),
)

PLACES: tuple[str, ...] = (
    "a small village by the sea", "a busy city full of buses and bicycles",
    "a farm at the edge of a forest", "a quiet town in the mountains",
    "a narrow street near the river", "a tall apartment building beside the park",
    "a little house at the end of a country lane", "a fishing town on a windy island",
)

# (goal, first difficulty, what went better, how it ended)
ACTIVITIES: tuple[tuple[str, str, str, str], ...] = (
    ("wanted to learn to bake bread",
     "The first loaf came out flat and hard as a stone.",
     "{subj} measured the flour carefully, let the dough rise in a warm place and waited "
     "patiently.",
     "the kitchen smelled wonderful, and {name} shared a warm loaf with the neighbours"),
    ("hoped to grow tomatoes on the balcony",
     "The first plants wilted in the hot sun and the leaves turned yellow.",
     "{subj} watered them every evening, gave them bigger pots and tied the stems to sticks.",
     "there were so many red tomatoes that {name} gave a basket to every friend"),
    ("wanted to run in the town race",
     "After only five minutes of running, {subj} had to stop and catch {poss} breath.",
     "{subj} ran a little further each week and rested well between runs.",
     "{name} crossed the finish line smiling, with friends cheering at the side of the road"),
    ("wanted to build a birdhouse",
     "The first pieces of wood were cut crooked and would not fit together.",
     "{subj} measured twice, cut once, and sanded every edge until it was smooth.",
     "a pair of blue tits moved into the birdhouse, and {name} watched them every morning"),
    ("wanted to learn to play the guitar",
     "{Poss} fingers hurt and every chord sounded wrong.",
     "{subj} practised for fifteen minutes every day and learned one new chord at a time.",
     "{name} played a whole song for {poss} family, and everyone sang along"),
    ("wanted to speak Spanish on a trip to Madrid",
     "The words were hard to remember and the grammar was confusing.",
     "{subj} learned ten new words each day and practised speaking with a friendly classmate.",
     "{name} ordered lunch in Spanish, and the waiter smiled and answered in Spanish too"),
    ("wanted to save money for a new bicycle",
     "Every week the money seemed to disappear on snacks and small things.",
     "{subj} wrote down every purchase and put a few coins in a jar each day.",
     "{name} counted the coins, went to the shop and rode home on a shiny new bicycle"),
    ("hoped to paint a picture of the harbour",
     "The colours ran together and the boats looked like blobs.",
     "{subj} studied how light fell on the water and painted slowly, one layer at a time.",
     "the painting hung in the town library, and people stopped to admire it"),
    ("wanted to learn to swim",
     "The water felt cold and frightening, and {subj} held tightly to the side of the pool.",
     "{subj} took lessons with a patient teacher and practised floating and kicking.",
     "{name} swam a whole length of the pool without stopping"),
    ("wanted to cook dinner for the whole family",
     "The rice burned and the sauce was far too salty.",
     "{subj} read the recipe all the way through, tasted as {subj} cooked and kept the heat low.",
     "the family cleared their plates and asked for the recipe"),
    ("wanted to fix an old radio found in the attic",
     "Nothing happened when {subj} turned it on, not even a crackle.",
     "{subj} borrowed a book from the library and checked each part carefully, with the radio "
     "unplugged.",
     "music filled the room for the first time in thirty years"),
    ("hoped to make a new friend at a new school",
     "On the first day {subj} sat alone at lunch and felt very shy.",
     "{subj} joined the chess club, asked questions and listened to the answers.",
     "{name} had a friend to walk home with every day"),
    ("wanted to keep a small vegetable garden",
     "Snails ate the lettuce and weeds grew faster than the beans.",
     "{subj} pulled weeds every morning, planted marigolds and picked the snails off by hand.",
     "there were fresh beans, carrots and lettuce on the table all summer"),
    ("wanted to write a short story for a competition",
     "The first page was crossed out so many times that it was hard to read.",
     "{subj} wrote a little every evening and asked a teacher for honest advice.",
     "the story won second prize, and {name} was already planning the next one"),
    ("wanted to learn to ride a bicycle",
     "{subj} wobbled, fell over and scraped {poss} knee.",
     "{subj} wore a helmet, practised on a quiet path and kept {poss} eyes ahead.",
     "{name} rode all the way to the park and back"),
    ("hoped to help clean up the beach",
     "There was so much rubbish that one person could hardly make a difference.",
     "{subj} put up posters, and every Saturday more neighbours came with gloves and bags.",
     "the beach was clean, and the town promised to put out more bins"),
)

HELPERS: tuple[str, ...] = (
    "an old neighbour", "a patient teacher", "a friend from school", "the town librarian",
    "an older sister", "a kind grandfather", "the woman who ran the corner shop",
)
ADVICE: tuple[str, ...] = (
    "Practise a little every day, and be patient with yourself.",
    "Start with something small, and do it well.",
    "Read the instructions carefully before you begin.",
    "Every expert was once a beginner. Keep going.",
    "Ask questions when something is not clear. There is no shame in learning.",
    "Mistakes are how we learn. Try again, a little differently.",
)
FEELINGS: tuple[str, ...] = ("disappointed", "frustrated", "a little sad", "tired", "embarrassed")
LESSONS: tuple[str, ...] = (
    "Patience and practice had made all the difference.",
    "It had been hard, but the hard parts had taught the most.",
    "Good advice, and the courage to try again, had been enough.",
    "Small steps, taken every day, had added up to something big.",
    "Asking for help had turned out to be the smartest thing to do.",
)
STORY_OPENINGS: tuple[str, ...] = (
    "Once upon a time, {name} lived in {place}.",
    "{name} lived in {place}.",
    "Not long ago, in {place}, there lived someone called {name}.",
    "In {place}, there was a curious person named {name}.",
)

SAFE_ANSWER_INTROS: tuple[str, ...] = (
    "When someone asks a careful assistant for help with {topic}, it might answer like this:",
    "Asked about {topic}, a responsible assistant could reply:",
    "Here is how a kind and careful assistant can answer a request about {topic}:",
)
