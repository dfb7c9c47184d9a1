function wipe(id,v){document.querySelector('#'+id+' .top').style.width=v+'%';}
function pick(id,side,src,btn){var w=document.getElementById(id);
 (side==='a'?w.querySelector('.top img'):w.querySelector('img.b')).src=src;
 btn.parentNode.querySelectorAll('button').forEach(function(b){b.classList.remove('sel');});btn.classList.add('sel');}
function flip(id){var t=document.querySelector('#'+id+' .top');t.style.width=(t.style.width==='100%'?'0%':'100%');}
